;; The per-packet loops of the packed virtqueue (see packed-ring.ts and packed-kernel.ts):
;; the chain walk and copy of guest-to-host packets into mbufs, of host-to-guest packets into
;; guest chains (mergeable or not), and the write-back of the burst's used descriptors.
;; Guest memory lies in windows of this memory (see GuestWindows in @nic/eal), mbufs in the
;; arena at `base`; the record, the burst's handles, its copy list and its used list lie past
;; the arena. Addresses passed are absolute.
;;
;; Each kernel works in passes over a burst, as split-ring.wat's: it reads the flags of the
;; descriptors it may take one after the other (their lines, which the frontend wrote on
;; another core, come in together), walks the chains (every check) noting each copy (with a
;; packet's net header) in the record's copy list and each used descriptor in its used list,
;; then does the copies (and the dirty log marks after them). The walk stores nothing into
;; lines the frontend reads. `flush` writes the used list at the burst's end.
;;
;; Only the usual case is done here, as in split-ring.wat: a kernel stops before a packet that
;; needs anything else (an indirect descriptor, a chained mbuf, a header over several buffers,
;; a packet larger than its mbuf, a chain too small, too few chains, a malformed chain, a
;; chain that would take the burst past the ring's size in descriptors: see $consume) and
;; returns how many it moved, leaving that packet, the positions and the used list for the
;; TypeScript path, which has the same checks and every rule for the rest.
;;
;; Used descriptors are not written while walking: each chain taken appends {id, descriptors,
;; length} to the record's used list, which the TypeScript walk appends to as well, and
;; `flush` writes the list at the used position at the burst's end, the first descriptor's
;; flags last with a sequentially consistent store, so the driver sees the burst at once;
;; with IN_ORDER a guest-to-host burst is written as one used descriptor, the last chain's
;; id, the used position moved past every chain (the driver takes the chains before it as
;; used too).
;;
;; The record (absolute address `rec`, layouts in packed-kernel.ts): num 0, avail position 4
;; and used position 8 (index with the wrap counter in bit 15), header size 12, mergeable 16,
;; regions 20, descriptor ring 24 (absolute address), used list length 28, descriptors the
;; burst has taken 32, the dirty log 36 (its address, 0 when not logging) and its size in
;; bytes 40, a scratch word 44 (what the flags read ahead of an enqueue gave), the descriptor
;; ring's guest-physical address 48 (u64), the used list's capacity in entries 56, and at 64
;; the regions, 32 bytes each: guest-physical address 0 (u64), size 8
;; (u64), address of the region's first byte in this memory 16. At 1344 the copy list, 80
;; entries of 32 bytes: destination 0, source 4, length 8, bytes to mark 12, guest address to
;; mark from 16 (u64), and for a packet's first buffer into the guest, the address of its
;; net header to zero 24 (0: none) and the header's last word 28 (num_buffers in the high
;; half; a 12-byte header). The used list starts at 4096, 8 bytes an entry: buffer id |
;; descriptors << 16, length.
;; Descriptor: addr 0 (u64), len 8, id 12 (u16), flags 14 (u16: NEXT 1, WRITE 2, INDIRECT 4,
;; AVAIL 0x80, USED 0x8000).
;; mbuf (@nic/eal mbuf-layout.ts): buf_addr 0, data_off 12 (16-bit), nb_segs 16 (16-bit),
;; port 18 (16-bit), ol_flags 20 (64-bit), packet_type 28, pkt_len 32, data_len 36 (16-bit),
;; vlan_tci 38 (16-bit), vlan_tci_outer 44 (16-bit), buf_len 46 (16-bit), next 52.
;; Headroom 128; no port is 0xffff.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; The address in this memory of guest-physical [addr, addr + len) when it lies whole
  ;; inside one region, or -1 (as split-ring.wat's).
  (func $translate (param $rec i32) (param $addr i64) (param $len i64) (result i64)
    (local $r i32) (local $end i32) (local $off i64) (local $size i64)
    (local.set $r (i32.add (local.get $rec) (i32.const 64)))
    (local.set $end (i32.add (local.get $r) (i32.shl (i32.load offset=20 (local.get $rec)) (i32.const 5))))
    (block $none
      (loop $region
        (br_if $none (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $off (i64.sub (local.get $addr) (i64.load (local.get $r))))
        (local.set $size (i64.load offset=8 (local.get $r)))
        (if (i32.and (i64.ge_u (local.get $addr) (i64.load (local.get $r)))
              (i32.and (i64.le_u (local.get $off) (local.get $size))
                (i64.le_u (local.get $len) (i64.sub (local.get $size) (local.get $off)))))
          (then (return (i64.add (i64.extend_i32_u (i32.load offset=16 (local.get $r))) (local.get $off)))))
        (local.set $r (i32.add (local.get $r) (i32.const 32)))
        (br $region)))
    (i64.const -1))

  ;; Runs the copy list's entries from address `from` to `to` (as split-ring.wat's $flush):
  ;; each header and copy, then, when the entry has bytes to mark, their pages in the dirty
  ;; log (after the write). A copy (never overlapping: one side is guest memory, the other an
  ;; mbuf) goes sixteen bytes a step, then its tail by 8, 4, 2, 1 (never past its length);
  ;; from 256 bytes on memory.copy.
  (func $copies (param $rec i32) (param $from i32) (param $to i32)
    (local $dst i32) (local $src i32) (local $len i32) (local $end i32) (local $h i32)
    (block $done
      (loop $entry
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        ;; a packet's first buffer: its zeroed net header of 12 bytes (with num_buffers) or 10
        (local.set $h (i32.load offset=24 (local.get $from)))
        (if (local.get $h)
          (then
            (i64.store align=1 (local.get $h) (i64.const 0))
            (if (i32.eq (i32.load offset=12 (local.get $rec)) (i32.const 12))
              (then (i32.store offset=8 align=1 (local.get $h) (i32.load offset=28 (local.get $from))))
              (else (i32.store16 offset=8 align=1 (local.get $h) (i32.const 0))))))
        (local.set $dst (i32.load (local.get $from)))
        (local.set $src (i32.load offset=4 (local.get $from)))
        (local.set $len (i32.load offset=8 (local.get $from)))
        (if (i32.ge_u (local.get $len) (i32.const 256))
          (then (memory.copy (local.get $dst) (local.get $src) (local.get $len)))
          (else
            (local.set $end (i32.add (local.get $dst) (i32.and (local.get $len) (i32.const -16))))
            (block $blocks
              (loop $block
                (br_if $blocks (i32.ge_u (local.get $dst) (local.get $end)))
                (v128.store align=1 (local.get $dst) (v128.load align=1 (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $src (i32.add (local.get $src) (i32.const 16)))
                (br $block)))
            (if (i32.and (local.get $len) (i32.const 8))
              (then
                (i64.store align=1 (local.get $dst) (i64.load align=1 (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
                (local.set $src (i32.add (local.get $src) (i32.const 8)))))
            (if (i32.and (local.get $len) (i32.const 4))
              (then
                (i32.store align=1 (local.get $dst) (i32.load align=1 (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))))
            (if (i32.and (local.get $len) (i32.const 2))
              (then
                (i32.store16 align=1 (local.get $dst) (i32.load16_u align=1 (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
                (local.set $src (i32.add (local.get $src) (i32.const 2)))))
            (if (i32.and (local.get $len) (i32.const 1))
              (then (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))))))
        (if (i32.load offset=12 (local.get $from))
          (then (call $mark (local.get $rec) (i64.load offset=16 (local.get $from)) (i32.load offset=12 (local.get $from)))))
        (local.set $from (i32.add (local.get $from) (i32.const 32)))
        (br $entry))))

  ;; Marks the 4 KiB pages of guest-physical [addr, addr + len) in the dirty log when one is
  ;; set, an atomic OR per page; a page past the log's end is skipped (as split-ring.wat's).
  (func $mark (param $rec i32) (param $addr i64) (param $len i32)
    (local $log i32) (local $page i64) (local $last i64) (local $byte i64)
    (local.set $log (i32.load offset=36 (local.get $rec)))
    (if (i32.or (i32.eqz (local.get $log)) (i32.eqz (local.get $len))) (then (return)))
    (local.set $page (i64.shr_u (local.get $addr) (i64.const 12)))
    (local.set $last (i64.shr_u (i64.add (local.get $addr) (i64.extend_i32_u (i32.sub (local.get $len) (i32.const 1)))) (i64.const 12)))
    (block $done
      (loop $next
        (br_if $done (i64.gt_u (local.get $page) (local.get $last)))
        (local.set $byte (i64.shr_u (local.get $page) (i64.const 3)))
        (br_if $done (i64.ge_u (local.get $byte) (i64.extend_i32_u (i32.load offset=40 (local.get $rec)))))
        (drop (i32.atomic.rmw8.or_u (i32.add (local.get $log) (i32.wrap_i64 (local.get $byte)))
          (i32.shl (i32.const 1) (i32.wrap_i64 (i64.and (local.get $page) (i64.const 7))))))
        (local.set $page (i64.add (local.get $page) (i64.const 1)))
        (br $next))))

  ;; Whether descriptor flags `flags` mean available in a pass of wrap counter `w`: AVAIL is
  ;; the counter and USED is not.
  (func $available (param $flags i32) (param $w i32) (result i32)
    (i32.and
      (i32.eq (i32.and (i32.shr_u (local.get $flags) (i32.const 7)) (i32.const 1)) (local.get $w))
      (i32.ne (i32.shr_u (local.get $flags) (i32.const 15)) (local.get $w))))

  ;; The head's flags at descriptor `i`, loaded sequentially consistent: the driver stores
  ;; them last, so the chain's other fields are seen once they say available.
  (func $headFlags (param $desc i32) (param $i i32) (result i32)
    (i32.atomic.load16_u offset=14 (i32.add (local.get $desc) (i32.shl (local.get $i) (i32.const 4)))))

  ;; Appends {id, count, len} to the record's used list and counts the chain's descriptors in
  ;; the burst's; returns 1. Refuses (0, nothing written) a chain that would take the burst
  ;; past the ring's descriptors (a driver that made descriptors available again for the next
  ;; pass while the burst ran) or the list past its capacity.
  (func $consume (param $rec i32) (param $id i32) (param $count i32) (param $len i32) (result i32)
    (local $s i32) (local $e i32) (local $taken i32)
    (local.set $s (i32.load offset=28 (local.get $rec)))
    (local.set $taken (i32.add (i32.load offset=32 (local.get $rec)) (local.get $count)))
    (if (i32.or (i32.gt_u (local.get $taken) (i32.load offset=0 (local.get $rec)))
          (i32.ge_u (local.get $s) (i32.load offset=56 (local.get $rec))))
      (then (return (i32.const 0))))
    (i32.store offset=32 (local.get $rec) (local.get $taken))
    (local.set $e (i32.add (i32.add (local.get $rec) (i32.const 4096)) (i32.shl (local.get $s) (i32.const 3))))
    (i32.store (local.get $e) (i32.or (local.get $id) (i32.shl (local.get $count) (i32.const 16))))
    (i32.store offset=4 (local.get $e) (local.get $len))
    (i32.store offset=28 (local.get $rec) (i32.add (local.get $s) (i32.const 1)))
    (i32.const 1))

  ;; avail(rec, n) -> chains: how many chains (at most `n`) are available from the avail
  ;; position, or 1 when descriptors are but no chain ends among them (PackedRing's
  ;; #countChains). Its flag loads, one descriptor after another, bring the lines of the
  ;; descriptors a burst takes in together, before the walk needs them.
  (func $scan (export "avail") (param $rec i32) (param $n i32) (result i32)
    (local $num i32) (local $desc i32) (local $i i32) (local $w i32) (local $k i32)
    (local $chains i32) (local $flags i32)
    (local.set $num (i32.load offset=0 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    (local.set $i (i32.and (i32.load offset=4 (local.get $rec)) (i32.const 0x7fff)))
    (local.set $w (i32.shr_u (i32.load offset=4 (local.get $rec)) (i32.const 15)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $num)))
        (br_if $done (i32.ge_u (local.get $chains) (local.get $n)))
        (local.set $flags
          (if (result i32) (local.get $k)
            (then (i32.load16_u offset=14 (i32.add (local.get $desc) (i32.shl (local.get $i) (i32.const 4)))))
            (else (call $headFlags (local.get $desc) (local.get $i)))))
        (br_if $done (i32.eqz (call $available (local.get $flags) (local.get $w))))
        (if (i32.eqz (i32.and (local.get $flags) (i32.const 1)))
          (then (local.set $chains (i32.add (local.get $chains) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eq (local.get $i) (local.get $num))
          (then
            (local.set $i (i32.const 0))
            (local.set $w (i32.xor (local.get $w) (i32.const 1)))))
        (br $next)))
    (select (i32.const 1) (local.get $chains)
      (i32.and (i32.eqz (local.get $chains)) (i32.ne (local.get $k) (i32.const 0)))))

  ;; dequeue(rec, slots, want) -> packets: takes up to `want` available chains, each readable,
  ;; whose packet (after the net header) goes into the raw mbuf (as its pool keeps it: one
  ;; segment, no next) whose handle is the next at address `slots`; lists the used
  ;; descriptor {id, 0}. Stops early before a packet the TypeScript path must take. The
  ;; caller has read the flags ahead (`avail`).
  (func (export "dequeue") (param $rec i32) (param $slots i32) (param $want i32) (result i32)
    (local $num i32) (local $hdr i32) (local $desc i32) (local $ai i32) (local $aw i32) (local $got i32)
    (local $i i32) (local $w i32) (local $count i32) (local $flags i32) (local $id i32) (local $d i32)
    (local $len i32) (local $g i64) (local $skip i32) (local $s i32) (local $total i32)
    (local $m i32) (local $dst i32) (local $room i32)
    (local $list i32) (local $full i32) (local $at i32) (local $pkt i32)
    (local $gpa0 i64) (local $size0 i64) (local $win0 i64) (local $off i64)
    (local.set $list (i32.add (local.get $rec) (i32.const 1344)))
    (local.set $full (i32.add (local.get $list) (i32.const 2560)))
    (local.set $at (local.get $list))
    ;; region 0, which the translations try first (usually the only one)
    (local.set $gpa0 (i64.load offset=64 (local.get $rec)))
    (local.set $size0 (i64.load offset=72 (local.get $rec)))
    (local.set $win0 (i64.extend_i32_u (i32.load offset=80 (local.get $rec))))
    (local.set $num (i32.load offset=0 (local.get $rec)))
    (local.set $ai (i32.and (i32.load offset=4 (local.get $rec)) (i32.const 0x7fff)))
    (local.set $aw (i32.shr_u (i32.load offset=4 (local.get $rec)) (i32.const 15)))
    (local.set $hdr (i32.load offset=12 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    (block $stop
      (loop $packet
        ;; the packet's copies start here: a packet left to TypeScript drops them
        (local.set $pkt (local.get $at))
        (br_if $stop (i32.ge_u (local.get $got) (local.get $want)))
        (local.set $flags (call $headFlags (local.get $desc) (local.get $ai)))
        (br_if $stop (i32.eqz (call $available (local.get $flags) (local.get $aw))))
        (local.set $m (i32.add (i32.load (i32.add (local.get $slots) (i32.shl (local.get $got) (i32.const 2)))) (global.get $base)))
        (local.set $dst (i32.add (i32.add (i32.load offset=0 (local.get $m)) (global.get $base)) (i32.const 128)))
        (local.set $room (i32.sub (i32.load16_u offset=46 (local.get $m)) (i32.const 128)))
        (br_if $stop (i32.le_s (local.get $room) (i32.const 0)))
        (local.set $i (local.get $ai))
        (local.set $w (local.get $aw))
        (local.set $count (i32.const 0))
        (local.set $skip (local.get $hdr))
        (local.set $total (i32.const 0))
        (loop $buffer
          (br_if $stop (i32.eq (local.get $count) (local.get $num)))
          (local.set $d (i32.add (local.get $desc) (i32.shl (local.get $i) (i32.const 4))))
          (if (local.get $count)
            (then
              (local.set $flags (i32.load16_u offset=14 (local.get $d)))
              (br_if $stop (i32.eqz (call $available (local.get $flags) (local.get $w))))))
          (local.set $id (i32.load16_u offset=12 (local.get $d)))
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (if (i32.eq (local.get $i) (local.get $num))
            (then
              (local.set $i (i32.const 0))
              (local.set $w (i32.xor (local.get $w) (i32.const 1)))))
          (br_if $stop (i32.and (local.get $flags) (i32.const 6)))
          (local.set $len (i32.load offset=8 (local.get $d)))
          ;; $translate, region 0 first (an address below it wraps past its size)
          (local.set $off (i64.sub (i64.load (local.get $d)) (local.get $gpa0)))
          (local.set $g
            (if (result i64) (i32.and (i64.le_u (local.get $off) (local.get $size0))
                  (i64.le_u (i64.extend_i32_u (local.get $len)) (i64.sub (local.get $size0) (local.get $off))))
              (then (i64.add (local.get $win0) (local.get $off)))
              (else (call $translate (local.get $rec) (i64.load (local.get $d)) (i64.extend_i32_u (local.get $len))))))
          (br_if $stop (i64.eq (local.get $g) (i64.const -1)))
          (local.set $s (select (local.get $skip) (local.get $len) (i32.lt_u (local.get $skip) (local.get $len))))
          (local.set $skip (i32.sub (local.get $skip) (local.get $s)))
          (local.set $len (i32.sub (local.get $len) (local.get $s)))
          (if (local.get $len)
            (then
              (br_if $stop (i32.gt_u (local.get $len) (i32.sub (local.get $room) (local.get $total))))
              (if (i32.ge_u (local.get $at) (local.get $full))
                (then
                  (call $copies (local.get $rec) (local.get $list) (local.get $at))
                  (local.set $at (local.get $list))
                  (local.set $pkt (local.get $list))))
              (i32.store (local.get $at) (i32.add (local.get $dst) (local.get $total)))
              (i32.store offset=4 (local.get $at) (i32.add (i32.wrap_i64 (local.get $g)) (local.get $s)))
              (i32.store offset=8 (local.get $at) (local.get $len))
              (i32.store offset=12 (local.get $at) (i32.const 0))
              (i32.store offset=24 (local.get $at) (i32.const 0))
              (local.set $at (i32.add (local.get $at) (i32.const 32)))
              (local.set $total (i32.add (local.get $total) (local.get $len)))))
          (br_if $buffer (i32.and (local.get $flags) (i32.const 1))))
        ;; nothing past the header: the TypeScript path drops and counts it
        (br_if $stop (i32.or (local.get $skip) (i32.eqz (local.get $total))))
        (br_if $stop (i32.eqz (call $consume (local.get $rec) (local.get $id) (local.get $count) (i32.const 0))))
        ;; the mbuf came raw from its pool: every field a reset sets, then the lengths
        (i32.store16 offset=12 (local.get $m) (i32.const 128))
        (i32.store16 offset=16 (local.get $m) (i32.const 1))
        (i32.store16 offset=18 (local.get $m) (i32.const 0xffff))
        (i64.store offset=20 align=4 (local.get $m) (i64.const 0))
        (i32.store offset=28 (local.get $m) (i32.const 0))
        (i32.store offset=32 (local.get $m) (local.get $total))
        (i32.store16 offset=36 (local.get $m) (local.get $total))
        (i32.store16 offset=38 (local.get $m) (i32.const 0))
        (i32.store16 offset=44 (local.get $m) (i32.const 0))
        (i32.store offset=52 (local.get $m) (i32.const 0))
        (local.set $ai (local.get $i))
        (local.set $aw (local.get $w))
        (local.set $got (i32.add (local.get $got) (i32.const 1)))
        (br $packet)))
    (call $copies (local.get $rec) (local.get $list) (local.get $pkt))
    (i32.store offset=4 (local.get $rec) (i32.or (local.get $ai) (i32.shl (local.get $aw) (i32.const 15))))
    (local.get $got))

  ;; enqueue(rec, slots, n) -> packets: places up to `n` one-segment mbufs (handles at
  ;; address `slots`) into the available writable chains: a zeroed net header then the
  ;; packet; with mergeable buffers over as many chains as it takes (their count in the
  ;; header's num_buffers), else in one. Lists a used descriptor {id, bytes} per chain.
  ;; Stops early before a packet the TypeScript path must take, its chains left available
  ;; (bytes noted for them are written all the same, and again, the same, by that path).
  (func (export "enqueue") (param $rec i32) (param $slots i32) (param $n i32) (result i32)
    (local $num i32) (local $hdr i32) (local $mrg i32) (local $desc i32) (local $ai i32) (local $aw i32)
    (local $placed i32) (local $m i32) (local $src i32) (local $len i32) (local $need i32) (local $done i32)
    (local $buffers i32) (local $ns0 i32) (local $taken0 i32) (local $i i32) (local $w i32) (local $count i32)
    (local $d i32) (local $flags i32) (local $id i32) (local $dlen i32) (local $addr i64) (local $gl i64)
    (local $g i32) (local $pos i32) (local $c i32) (local $from i32) (local $ai0 i32) (local $aw0 i32)
    (local $list i32) (local $full i32) (local $at i32) (local $log i32)
    (local $first i32) (local $hentry i32) (local $hg i32) (local $haddr i64)
    (local $gpa0 i64) (local $size0 i64) (local $win0 i64) (local $off i64)
    (local.set $list (i32.add (local.get $rec) (i32.const 1344)))
    (local.set $full (i32.add (local.get $list) (i32.const 2560)))
    (local.set $at (local.get $list))
    (local.set $log (i32.load offset=36 (local.get $rec)))
    ;; region 0, which the translations try first (usually the only one)
    (local.set $gpa0 (i64.load offset=64 (local.get $rec)))
    (local.set $size0 (i64.load offset=72 (local.get $rec)))
    (local.set $win0 (i64.extend_i32_u (i32.load offset=80 (local.get $rec))))
    (local.set $num (i32.load offset=0 (local.get $rec)))
    (local.set $ai (i32.and (i32.load offset=4 (local.get $rec)) (i32.const 0x7fff)))
    (local.set $aw (i32.shr_u (i32.load offset=4 (local.get $rec)) (i32.const 15)))
    (local.set $hdr (i32.load offset=12 (local.get $rec)))
    (local.set $mrg (i32.load offset=16 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    ;; the flags of the chains the burst may take, read ahead (kept in the scratch word)
    (i32.store offset=44 (local.get $rec) (call $scan (local.get $rec) (local.get $n)))
    (block $stop
      (loop $packet
        (br_if $stop (i32.ge_u (local.get $placed) (local.get $n)))
        (br_if $stop (i32.eqz (call $available (call $headFlags (local.get $desc) (local.get $ai)) (local.get $aw))))
        (local.set $m (i32.add (i32.load (i32.add (local.get $slots) (i32.shl (local.get $placed) (i32.const 2)))) (global.get $base)))
        (br_if $stop (i32.load offset=52 (local.get $m)))
        (local.set $len (i32.load16_u offset=36 (local.get $m)))
        (local.set $src (i32.add (i32.add (i32.load offset=0 (local.get $m)) (global.get $base)) (i32.load16_u offset=12 (local.get $m))))
        (local.set $need (i32.add (local.get $hdr) (local.get $len)))
        (local.set $done (i32.const 0))
        (local.set $buffers (i32.const 0))
        (local.set $hentry (i32.const 0))
        (local.set $ns0 (i32.load offset=28 (local.get $rec)))
        (local.set $taken0 (i32.load offset=32 (local.get $rec)))
        (local.set $ai0 (local.get $ai))
        (local.set $aw0 (local.get $aw))
        ;; a packet left here leaves the used list and the avail position as they were
        (block $leave
          (loop $chain
            (local.set $flags (call $headFlags (local.get $desc) (local.get $ai)))
            (br_if $leave (i32.eqz (call $available (local.get $flags) (local.get $aw))))
            (local.set $i (local.get $ai))
            (local.set $w (local.get $aw))
            (local.set $count (i32.const 0))
            (local.set $from (local.get $done))
            (loop $buffer
              (br_if $leave (i32.eq (local.get $count) (local.get $num)))
              (local.set $d (i32.add (local.get $desc) (i32.shl (local.get $i) (i32.const 4))))
              (if (local.get $count)
                (then
                  (local.set $flags (i32.load16_u offset=14 (local.get $d)))
                  (br_if $leave (i32.eqz (call $available (local.get $flags) (local.get $w))))))
              (local.set $id (i32.load16_u offset=12 (local.get $d)))
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (if (i32.eq (local.get $i) (local.get $num))
                (then
                  (local.set $i (i32.const 0))
                  (local.set $w (i32.xor (local.get $w) (i32.const 1)))))
              ;; once the packet is noted the chain's other descriptors are only counted
              (if (i32.lt_u (local.get $done) (local.get $need))
                (then
                  (br_if $leave (i32.ne (i32.and (local.get $flags) (i32.const 6)) (i32.const 2)))
                  (local.set $dlen (i32.load offset=8 (local.get $d)))
                  (local.set $addr (i64.load (local.get $d)))
                  ;; $translate, region 0 first (an address below it wraps past its size)
                  (local.set $off (i64.sub (local.get $addr) (local.get $gpa0)))
                  (local.set $gl
                    (if (result i64) (i32.and (i64.le_u (local.get $off) (local.get $size0))
                          (i64.le_u (i64.extend_i32_u (local.get $dlen)) (i64.sub (local.get $size0) (local.get $off))))
                      (then (i64.add (local.get $win0) (local.get $off)))
                      (else (call $translate (local.get $rec) (local.get $addr) (i64.extend_i32_u (local.get $dlen))))))
                  (br_if $leave (i64.eq (local.get $gl) (i64.const -1)))
                  (local.set $g (i32.wrap_i64 (local.get $gl)))
                  (local.set $pos (i32.const 0))
                  ;; the packet's first buffer takes the whole header (written with the copy)
                  (local.set $first (i32.eqz (local.get $done)))
                  (if (local.get $first)
                    (then
                      (br_if $leave (i32.lt_u (local.get $dlen) (local.get $hdr)))
                      (local.set $hg (local.get $g))
                      (local.set $haddr (local.get $addr))
                      (local.set $pos (local.get $hdr))
                      (local.set $done (local.get $hdr))))
                  (local.set $c (i32.sub (local.get $need) (local.get $done)))
                  (if (i32.lt_u (i32.sub (local.get $dlen) (local.get $pos)) (local.get $c))
                    (then (local.set $c (i32.sub (local.get $dlen) (local.get $pos)))))
                  ;; the header, the copy, and the mark of what this buffer gets, in the list;
                  ;; a flush before the packet ends leaves its num_buffers to its end
                  (if (i32.ge_u (local.get $at) (local.get $full))
                    (then
                      (call $copies (local.get $rec) (local.get $list) (local.get $at))
                      (local.set $at (local.get $list))
                      (local.set $hentry (i32.const 0))))
                  (i32.store offset=24 (local.get $at) (select (local.get $g) (i32.const 0) (local.get $first)))
                  (i32.store offset=28 (local.get $at) (i32.const 0))
                  (if (local.get $first) (then (local.set $hentry (local.get $at))))
                  (i32.store (local.get $at) (i32.add (local.get $g) (local.get $pos)))
                  (i32.store offset=4 (local.get $at) (i32.add (local.get $src) (i32.sub (local.get $done) (local.get $hdr))))
                  (i32.store offset=8 (local.get $at) (local.get $c))
                  (i32.store offset=12 (local.get $at)
                    (select (i32.add (local.get $pos) (local.get $c)) (i32.const 0) (local.get $log)))
                  (i64.store offset=16 (local.get $at) (local.get $addr))
                  (local.set $at (i32.add (local.get $at) (i32.const 32)))
                  (local.set $done (i32.add (local.get $done) (local.get $c)))))
              (br_if $buffer (i32.and (local.get $flags) (i32.const 1))))
            ;; without mergeable buffers one chain must hold the packet
            (br_if $leave (i32.and (i32.eqz (local.get $mrg)) (i32.lt_u (local.get $done) (local.get $need))))
            (br_if $leave (i32.eqz (call $consume (local.get $rec) (local.get $id) (local.get $count) (i32.sub (local.get $done) (local.get $from)))))
            (local.set $ai (local.get $i))
            (local.set $aw (local.get $w))
            (local.set $buffers (i32.add (local.get $buffers) (i32.const 1)))
            (br_if $chain (i32.lt_u (local.get $done) (local.get $need))))
          (if (local.get $mrg)
            (then
              (if (local.get $hentry)
                (then (i32.store offset=28 (local.get $hentry) (i32.shl (local.get $buffers) (i32.const 16))))
                (else
                  ;; its header went out with a flush: num_buffers now, then its page marked
                  (i32.store16 offset=10 align=1 (local.get $hg) (local.get $buffers))
                  (call $mark (local.get $rec) (local.get $haddr) (local.get $hdr))))))
          (local.set $placed (i32.add (local.get $placed) (i32.const 1)))
          (br $packet))
        ;; left: the chains this packet took go back to the list's and the position's state before it
        (i32.store offset=28 (local.get $rec) (local.get $ns0))
        (i32.store offset=32 (local.get $rec) (local.get $taken0))
        (local.set $ai (local.get $ai0))
        (local.set $aw (local.get $aw0))
        (br $stop)))
    (call $copies (local.get $rec) (local.get $list) (local.get $at))
    (i32.store offset=4 (local.get $rec) (i32.or (local.get $ai) (i32.shl (local.get $aw) (i32.const 15))))
    (local.get $placed))

  ;; flush(rec, one): writes the used list at the used position, each entry's descriptor
  ;; {id, len, AVAIL = USED = the used wrap counter}, the first one's flags last with a
  ;; sequentially consistent store (so the driver, which reads in order, sees the whole list
  ;; at once), marks each written descriptor in the dirty log, moves the used position on by
  ;; each chain's descriptors and empties the list. With `one` (IN_ORDER, guest to host) it
  ;; writes only the first: the last entry's id and length, the position moved past every
  ;; chain.
  (func (export "flush") (param $rec i32) (param $one i32)
    (local $ns i32) (local $num i32) (local $desc i32) (local $i i32) (local $w i32) (local $s i32)
    (local $e i32) (local $d i32) (local $flags i32) (local $first i32) (local $firstFlags i32)
    (local $log i32) (local $skip i32)
    (local.set $ns (i32.load offset=28 (local.get $rec)))
    (if (i32.eqz (local.get $ns)) (then (return)))
    (local.set $num (i32.load offset=0 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    (local.set $log (i32.load offset=36 (local.get $rec)))
    (local.set $i (i32.and (i32.load offset=8 (local.get $rec)) (i32.const 0x7fff)))
    (local.set $w (i32.shr_u (i32.load offset=8 (local.get $rec)) (i32.const 15)))
    (local.set $e (i32.add (local.get $rec) (i32.const 4096)))
    (if (local.get $one)
      (then
        ;; the chains before the last: their descriptors are passed over, none written
        (loop $chain
          (if (i32.lt_u (local.get $s) (i32.sub (local.get $ns) (i32.const 1)))
            (then
              (local.set $skip (i32.add (local.get $skip) (i32.load16_u offset=2 (local.get $e))))
              (local.set $e (i32.add (local.get $e) (i32.const 8)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (br $chain))))
        (local.set $s (i32.const 0))
        (local.set $ns (i32.const 1))))
    (loop $entry
      (local.set $d (i32.add (local.get $desc) (i32.shl (local.get $i) (i32.const 4))))
      (i32.store offset=8 (local.get $d) (i32.load offset=4 (local.get $e)))
      (i32.store16 offset=12 (local.get $d) (i32.load (local.get $e)))
      (local.set $flags (select (i32.const 0x8080) (i32.const 0) (local.get $w)))
      (if (local.get $s)
        (then (i32.store16 offset=14 (local.get $d) (local.get $flags)))
        (else
          (local.set $first (local.get $d))
          (local.set $firstFlags (local.get $flags))))
      (if (local.get $log)
        (then
          (call $mark (local.get $rec)
            (i64.add (i64.load offset=48 (local.get $rec)) (i64.extend_i32_u (i32.shl (local.get $i) (i32.const 4))))
            (i32.const 16))))
      ;; past the chains passed over and this one, the counter flipped at each pass of the ring
      ;; (a burst takes at most `num` descriptors, so once; the loop holds for any count)
      (local.set $i (i32.add (local.get $i) (i32.add (local.get $skip) (i32.load16_u offset=2 (local.get $e)))))
      (local.set $skip (i32.const 0))
      (block $within
        (loop $wrap
          (br_if $within (i32.lt_u (local.get $i) (local.get $num)))
          (local.set $i (i32.sub (local.get $i) (local.get $num)))
          (local.set $w (i32.xor (local.get $w) (i32.const 1)))
          (br $wrap)))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $entry (i32.lt_u (local.get $s) (local.get $ns))))
    (i32.atomic.store16 offset=14 (local.get $first) (local.get $firstFlags))
    (i32.store offset=8 (local.get $rec) (i32.or (local.get $i) (i32.shl (local.get $w) (i32.const 15))))
    (i32.store offset=28 (local.get $rec) (i32.const 0)))
)
