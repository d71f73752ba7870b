;; The per-packet loops of the split virtqueue (see split-ring.ts and split-kernel.ts): the
;; chain walk and copy of guest-to-host packets into mbufs, and of host-to-guest packets
;; into guest chains (mergeable or not), with the used entries they take. Guest memory lies
;; in windows of this memory (see GuestWindows in @nic/eal), mbufs in the arena at `base`;
;; the record and the burst's handles lie past the arena. Addresses passed are absolute.
;;
;; Each kernel works in passes over a burst, as DPDK's vhost defers its small copies and
;; its used entries: it reads ahead the descriptors the burst's avail entries name; walks
;; the chains (every check) and sets up the mbufs, noting each copy (with a packet's net
;; header) in the record's copy list and each used entry in its shadow; does the copies
;; (and the dirty log marks after them); then writes the used entries. The walk stores
;; nothing into lines the frontend reads (a store that waits for such a line holds back
;; those after it) and its loads overlap across packets, instead of one packet's misses in
;; a row before the next starts. Both lists are written out early when full; the used index
;; is published after the kernel returns.
;;
;; Only the usual case is done here; a kernel stops before a packet that needs anything
;; else (an indirect table, a chained mbuf, a header over several buffers, a packet larger
;; than its mbuf, a chain too small, too few chains, a malformed chain) and returns how many
;; it moved, leaving that packet and the ring indices for the TypeScript path, which has the
;; same checks and every rule for the rest. So a packet is either moved here whole, with its
;; used entries written, or left untouched in the indices.
;;
;; The vring record (absolute address `rec`, layouts in split-kernel.ts): num 0, last avail
;; 4, last used 8 (free-running, low 16 bits significant), header size 12, mergeable 16,
;; regions 20, descriptor table 24, avail ring 28, used ring 32 (absolute addresses), the
;; dirty log 36 (its address, 0 when not logging) and its size in bytes 40, a scratch
;; word 44 (what the descriptor reads ahead of a walk gave), the bulk-free pool 48 (what
;; enqueue's last call placed: the pool field its mbufs share when each is one direct
;; segment with refcnt 1, which their caller may so put back in bulk; else 0), at 64 the
;; regions, 32 bytes each: guest-physical address 0 (u64), size 8 (u64), address of
;; the region's first byte in this memory 16; at 1344 the copy list, 80 entries of 32
;; bytes: destination 0, source 4, length 8, bytes to mark 12, guest address to mark
;; from 16 (u64), and for a packet's first buffer into the guest, the address of its net
;; header to zero 24 (0: none) and the header's last word 28 (num_buffers in the high
;; half; a 12-byte header) (enqueue only); at 4096 the used-entry shadow (see $used_out).
;; Descriptor: addr 0 (u64), len 8, flags 12 (u16: NEXT 1, WRITE 2, INDIRECT 4), next 14.
;; mbuf (@nic/eal mbuf-layout.ts): buf_addr 0, data_off 12 (16-bit), refcnt 14 (16-bit),
;; nb_segs 16 (16-bit), port 18 (16-bit), ol_flags 20 (64-bit; bit 62, bit 30 of the word at
;; 24: indirect), packet_type 28, pkt_len 32, data_len 36 (16-bit), vlan_tci 38 (16-bit),
;; vlan_tci_outer 44 (16-bit), buf_len 46 (16-bit), pool 48, next 52.
;; Headroom 128; no port is 0xffff.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; The address in this memory of guest-physical [addr, addr + len) when it lies whole
  ;; inside one region, or -1.
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

  ;; Runs the copy list's entries from address `from` to `to`: each header and copy, then, when the
  ;; entry has bytes to mark, their pages in the dirty log (after the write, so a page the
  ;; frontend drains meanwhile is marked again). A copy (never overlapping: one side is guest
  ;; memory, the other an mbuf) goes sixteen bytes a step, then its tail by 8, 4, 2, 1 (never
  ;; past its length: the destination may end there); from 256 bytes on memory.copy, whose
  ;; call costs more than a packet of 64 bytes takes to copy inline.
  (func $flush (param $rec i32) (param $from i32) (param $to i32)
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
  ;; set, an atomic OR per page (the frontend drains the log meanwhile); a page past the
  ;; log's end is skipped, never written.
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

  ;; Reads the descriptor that each of the `count` avail entries from `la` on names (the
  ;; index masked into the table), so that their cache lines, which the frontend wrote on
  ;; another core, are fetched together before the walk needs them one after the other
  ;; (WebAssembly has no prefetch). Returns an OR of the words read, which the caller keeps
  ;; so that the loads stay.
  (func $touch (param $avail i32) (param $desc i32) (param $la i32) (param $mask i32) (param $count i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $entry
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $acc (i32.or (local.get $acc)
          (i32.load offset=8 (i32.add (local.get $desc)
            (i32.shl (i32.and (i32.load16_u offset=4
              (i32.add (local.get $avail) (i32.shl (i32.and (local.get $la) (local.get $mask)) (i32.const 1))))
              (local.get $mask)) (i32.const 4))))))
        (local.set $la (i32.add (local.get $la) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $entry)))
    (local.get $acc))

  ;; The used entries of a burst are noted in the record's shadow (at 4096, 512 entries of
  ;; 8 bytes, the one for used index `base + i` at i) and written to the used ring together
  ;; after the copies, as DPDK's vhost does: the walk then stores nothing into lines the
  ;; frontend reads. $used_out writes the shadow's entries from `base` to `lu` (none when
  ;; `lu` went back before `base`: a packet left to TypeScript) and returns `lu`, the next base.
  (func $used_out (param $rec i32) (param $base i32) (param $lu i32) (result i32)
    (local $count i32) (local $i i32) (local $used i32) (local $mask i32)
    (local.set $count (i32.and (i32.sub (local.get $lu) (local.get $base)) (i32.const 0xffff)))
    (if (i32.gt_u (local.get $count) (i32.const 512)) (then (return (local.get $lu))))
    (local.set $used (i32.load offset=32 (local.get $rec)))
    (local.set $mask (i32.sub (i32.load (local.get $rec)) (i32.const 1)))
    (block $done
      (loop $entry
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (i64.store offset=4 align=4
          (i32.add (local.get $used) (i32.shl (i32.and (i32.add (local.get $base) (local.get $i)) (local.get $mask)) (i32.const 3)))
          (i64.load (i32.add (i32.add (local.get $rec) (i32.const 4096)) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $entry)))
    (local.get $lu))

  ;; Notes used entry {id, len} for used index `lu` in the shadow that starts at `base`,
  ;; writing the shadow out first when it is full; returns the base.
  (func $used_note (param $rec i32) (param $base i32) (param $lu i32) (param $id i32) (param $len i32) (result i32)
    (local $at i32)
    (if (i32.ge_u (i32.and (i32.sub (local.get $lu) (local.get $base)) (i32.const 0xffff)) (i32.const 512))
      (then (local.set $base (call $used_out (local.get $rec) (local.get $base) (local.get $lu)))))
    (local.set $at (i32.add (i32.add (local.get $rec) (i32.const 4096))
      (i32.shl (i32.and (i32.sub (local.get $lu) (local.get $base)) (i32.const 0xffff)) (i32.const 3))))
    (i32.store (local.get $at) (local.get $id))
    (i32.store offset=4 (local.get $at) (local.get $len))
    (local.get $base))

  ;; dequeue(rec, slots, want) -> packets: takes up to `want` avail entries, each a readable
  ;; chain whose packet (after the net header) goes into the raw mbuf (as its pool keeps it:
;; one segment, no next) whose handle is the
  ;; next at address `slots`; writes the used entry {head, 0}. Stops early before a
  ;; packet the TypeScript path must take.
  (func (export "dequeue") (param $rec i32) (param $slots i32) (param $want i32) (result i32)
    (local $num i32) (local $mask i32) (local $la i32) (local $lu i32) (local $hdr i32)
    (local $desc i32) (local $avail i32) (local $got i32)
    (local $head i32) (local $d i32) (local $steps i32) (local $w i32) (local $flags i32)
    (local $len i32) (local $g i64) (local $skip i32) (local $s i32) (local $total i32)
    (local $m i32) (local $dst i32) (local $room i32) (local $base i32)
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
    (local.set $mask (i32.sub (local.get $num) (i32.const 1)))
    (local.set $la (i32.load offset=4 (local.get $rec)))
    (local.set $lu (i32.load offset=8 (local.get $rec)))
    (local.set $base (local.get $lu))
    (local.set $hdr (i32.load offset=12 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    (local.set $avail (i32.load offset=28 (local.get $rec)))
    (i32.store offset=44 (local.get $rec)
      (call $touch (local.get $avail) (local.get $desc) (local.get $la) (local.get $mask) (local.get $want)))
    (block $stop
      (loop $packet
        ;; the packet's copies start here: a packet left to TypeScript drops them
        (local.set $pkt (local.get $at))
        (br_if $stop (i32.ge_u (local.get $got) (local.get $want)))
        (local.set $head (i32.load16_u offset=4
          (i32.add (local.get $avail) (i32.shl (i32.and (local.get $la) (local.get $mask)) (i32.const 1)))))
        (br_if $stop (i32.ge_u (local.get $head) (local.get $num)))
        (local.set $m (i32.add (i32.load (i32.add (local.get $slots) (i32.shl (local.get $got) (i32.const 2)))) (global.get $base)))
        (local.set $dst (i32.add (i32.add (i32.load offset=0 (local.get $m)) (global.get $base)) (i32.const 128)))
        (local.set $room (i32.sub (i32.load16_u offset=46 (local.get $m)) (i32.const 128)))
        (br_if $stop (i32.le_s (local.get $room) (i32.const 0)))
        (local.set $d (local.get $head))
        (local.set $steps (i32.const 0))
        (local.set $skip (local.get $hdr))
        (local.set $total (i32.const 0))
        (loop $buffer
          (br_if $stop (i32.ge_u (local.get $steps) (local.get $num)))
          (local.set $w (i32.add (local.get $desc) (i32.shl (local.get $d) (i32.const 4))))
          (local.set $flags (i32.load16_u offset=12 (local.get $w)))
          (br_if $stop (i32.and (local.get $flags) (i32.const 6)))
          (local.set $len (i32.load offset=8 (local.get $w)))
          ;; $translate, region 0 first (an address below it wraps past its size)
          (local.set $off (i64.sub (i64.load (local.get $w)) (local.get $gpa0)))
          (local.set $g
            (if (result i64) (i32.and (i64.le_u (local.get $off) (local.get $size0))
                  (i64.le_u (i64.extend_i32_u (local.get $len)) (i64.sub (local.get $size0) (local.get $off))))
              (then (i64.add (local.get $win0) (local.get $off)))
              (else (call $translate (local.get $rec) (i64.load (local.get $w)) (i64.extend_i32_u (local.get $len))))))
          (br_if $stop (i64.eq (local.get $g) (i64.const -1)))
          (local.set $s (select (local.get $skip) (local.get $len) (i32.lt_u (local.get $skip) (local.get $len))))
          (local.set $skip (i32.sub (local.get $skip) (local.get $s)))
          (local.set $len (i32.sub (local.get $len) (local.get $s)))
          (if (local.get $len)
            (then
              (br_if $stop (i32.gt_u (local.get $len) (i32.sub (local.get $room) (local.get $total))))
              (if (i32.ge_u (local.get $at) (local.get $full))
                (then
                  (call $flush (local.get $rec) (local.get $list) (local.get $at))
                  (local.set $at (local.get $list))
                  (local.set $pkt (local.get $list))))
              (i32.store (local.get $at) (i32.add (local.get $dst) (local.get $total)))
              (i32.store offset=4 (local.get $at) (i32.add (i32.wrap_i64 (local.get $g)) (local.get $s)))
              (i32.store offset=8 (local.get $at) (local.get $len))
              (i32.store offset=12 (local.get $at) (i32.const 0))
              (i32.store offset=24 (local.get $at) (i32.const 0))
              (local.set $at (i32.add (local.get $at) (i32.const 32)))
              (local.set $total (i32.add (local.get $total) (local.get $len)))))
          (if (i32.and (local.get $flags) (i32.const 1))
            (then
              (local.set $d (i32.load16_u offset=14 (local.get $w)))
              (br_if $stop (i32.ge_u (local.get $d) (local.get $num)))
              (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
              (br $buffer))))
        ;; nothing past the header: the TypeScript path drops and counts it
        (br_if $stop (i32.or (local.get $skip) (i32.eqz (local.get $total))))
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
        (local.set $base (call $used_note (local.get $rec) (local.get $base) (local.get $lu) (local.get $head) (i32.const 0)))
        (local.set $la (i32.and (i32.add (local.get $la) (i32.const 1)) (i32.const 0xffff)))
        (local.set $lu (i32.and (i32.add (local.get $lu) (i32.const 1)) (i32.const 0xffff)))
        (local.set $got (i32.add (local.get $got) (i32.const 1)))
        (br $packet)))
    (call $flush (local.get $rec) (local.get $list) (local.get $pkt))
    (drop (call $used_out (local.get $rec) (local.get $base) (local.get $lu)))
    (i32.store offset=4 (local.get $rec) (local.get $la))
    (i32.store offset=8 (local.get $rec) (local.get $lu))
    (local.get $got))

  ;; enqueue(rec, slots, n, end) -> packets: places up to `n` one-segment mbufs (handles at
  ;; address `slots`) into the writable chains made available up to avail index `end`:
  ;; a zeroed net header then the packet; with mergeable buffers over as many chains as it
  ;; takes (their count in the header's num_buffers), else in one. Writes a used entry
  ;; {head, bytes} per chain, and the bulk-free pool of what it placed. Stops early before a
  ;; packet the TypeScript path must take.
  (func (export "enqueue") (param $rec i32) (param $slots i32) (param $n i32) (param $end i32) (result i32)
    (local $num i32) (local $mask i32) (local $la i32) (local $lu i32) (local $hdr i32) (local $mrg i32)
    (local $desc i32) (local $avail i32) (local $placed i32)
    (local $m i32) (local $src i32) (local $len i32) (local $need i32) (local $done i32) (local $buffers i32)
    (local $la0 i32) (local $lu0 i32) (local $head i32) (local $d i32) (local $steps i32)
    (local $w i32) (local $flags i32) (local $dlen i32) (local $g i32) (local $gl i64) (local $pos i32)
    (local $c i32) (local $from i32) (local $base i32) (local $addr i64)
    (local $list i32) (local $full i32) (local $at i32) (local $log i32)
    (local $first i32) (local $hentry i32) (local $hg i32) (local $haddr i64)
    (local $gpa0 i64) (local $size0 i64) (local $win0 i64) (local $off i64)
    (local $p i32) (local $fp i32)
    ;; the bulk-free pool so far: -1 before the first packet
    (local.set $fp (i32.const -1))
    (local.set $list (i32.add (local.get $rec) (i32.const 1344)))
    (local.set $full (i32.add (local.get $list) (i32.const 2560)))
    (local.set $at (local.get $list))
    (local.set $log (i32.load offset=36 (local.get $rec)))
    ;; region 0, which the translations try first (usually the only one)
    (local.set $gpa0 (i64.load offset=64 (local.get $rec)))
    (local.set $size0 (i64.load offset=72 (local.get $rec)))
    (local.set $win0 (i64.extend_i32_u (i32.load offset=80 (local.get $rec))))
    (local.set $num (i32.load offset=0 (local.get $rec)))
    (local.set $mask (i32.sub (local.get $num) (i32.const 1)))
    (local.set $la (i32.load offset=4 (local.get $rec)))
    (local.set $lu (i32.load offset=8 (local.get $rec)))
    (local.set $base (local.get $lu))
    (local.set $hdr (i32.load offset=12 (local.get $rec)))
    (local.set $mrg (i32.load offset=16 (local.get $rec)))
    (local.set $desc (i32.load offset=24 (local.get $rec)))
    (local.set $avail (i32.load offset=28 (local.get $rec)))
    (local.set $c (i32.and (i32.sub (local.get $end) (local.get $la)) (i32.const 0xffff)))
    (i32.store offset=44 (local.get $rec)
      (call $touch (local.get $avail) (local.get $desc) (local.get $la) (local.get $mask)
        (select (local.get $n) (local.get $c) (i32.lt_u (local.get $n) (local.get $c)))))
    (block $stop
      (loop $packet
        (br_if $stop (i32.ge_u (local.get $placed) (local.get $n)))
        (local.set $m (i32.add (i32.load (i32.add (local.get $slots) (i32.shl (local.get $placed) (i32.const 2)))) (global.get $base)))
        (br_if $stop (i32.load offset=52 (local.get $m)))
        (local.set $len (i32.load16_u offset=36 (local.get $m)))
        (local.set $src (i32.add (i32.add (i32.load offset=0 (local.get $m)) (global.get $base)) (i32.load16_u offset=12 (local.get $m))))
        (local.set $need (i32.add (local.get $hdr) (local.get $len)))
        (local.set $done (i32.const 0))
        (local.set $buffers (i32.const 0))
        (local.set $la0 (local.get $la))
        (local.set $lu0 (local.get $lu))
        (loop $chain
          (if (i32.eq (local.get $la) (local.get $end))
            (then
              (local.set $la (local.get $la0))
              (local.set $lu (local.get $lu0))
              (br $stop)))
          (local.set $head (i32.load16_u offset=4
            (i32.add (local.get $avail) (i32.shl (i32.and (local.get $la) (local.get $mask)) (i32.const 1)))))
          (if (i32.ge_u (local.get $head) (local.get $num))
            (then
              (local.set $la (local.get $la0))
              (local.set $lu (local.get $lu0))
              (br $stop)))
          (local.set $d (local.get $head))
          (local.set $steps (i32.const 0))
          (local.set $from (local.get $done))
          (block $walked
            (loop $buffer
              (if (i32.ge_u (local.get $steps) (local.get $num))
                (then
                  (local.set $la (local.get $la0))
                  (local.set $lu (local.get $lu0))
                  (br $stop)))
              (local.set $w (i32.add (local.get $desc) (i32.shl (local.get $d) (i32.const 4))))
              (local.set $flags (i32.load16_u offset=12 (local.get $w)))
              (local.set $dlen (i32.load offset=8 (local.get $w)))
              (local.set $addr (i64.load (local.get $w)))
              ;; $translate, region 0 first (an address below it wraps past its size)
              (local.set $off (i64.sub (local.get $addr) (local.get $gpa0)))
              (local.set $gl
                (if (result i64) (i32.and (i64.le_u (local.get $off) (local.get $size0))
                      (i64.le_u (i64.extend_i32_u (local.get $dlen)) (i64.sub (local.get $size0) (local.get $off))))
                  (then (i64.add (local.get $win0) (local.get $off)))
                  (else (call $translate (local.get $rec) (local.get $addr) (i64.extend_i32_u (local.get $dlen))))))
              (if (i32.or (i32.ne (i32.and (local.get $flags) (i32.const 6)) (i32.const 2))
                    (i32.or (i64.eq (local.get $gl) (i64.const -1))
                      (i32.and (i32.eqz (local.get $done)) (i32.lt_u (local.get $dlen) (local.get $hdr)))))
                (then
                  (local.set $la (local.get $la0))
                  (local.set $lu (local.get $lu0))
                  (br $stop)))
              (local.set $g (i32.wrap_i64 (local.get $gl)))
              (local.set $pos (i32.const 0))
              ;; the packet's first buffer takes the header (written with the copy)
              (local.set $first (i32.eqz (local.get $done)))
              (if (local.get $first)
                (then
                  (local.set $hg (local.get $g))
                  (local.set $haddr (local.get $addr))
                  (local.set $pos (local.get $hdr))
                  (local.set $done (local.get $hdr))))
              (local.set $c (i32.sub (local.get $need) (local.get $done)))
              (if (i32.lt_u (i32.sub (local.get $dlen) (local.get $pos)) (local.get $c))
                (then (local.set $c (i32.sub (local.get $dlen) (local.get $pos)))))
              ;; the header, the copy, and the mark of what this buffer gets, in the list; a
              ;; packet left to TypeScript keeps its entries (they write into chains the
              ;; device still owns, and mark them). A flush before the packet ends leaves its
              ;; num_buffers to be written at its end.
              (if (i32.ge_u (local.get $at) (local.get $full))
                (then
                  (call $flush (local.get $rec) (local.get $list) (local.get $at))
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
              (local.set $done (i32.add (local.get $done) (local.get $c)))
              (br_if $walked (i32.ge_u (local.get $done) (local.get $need)))
              (br_if $walked (i32.eqz (i32.and (local.get $flags) (i32.const 1))))
              (local.set $d (i32.load16_u offset=14 (local.get $w)))
              (if (i32.ge_u (local.get $d) (local.get $num))
                (then
                  (local.set $la (local.get $la0))
                  (local.set $lu (local.get $lu0))
                  (br $stop)))
              (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
              (br $buffer)))
          ;; without mergeable buffers one chain must hold the packet
          (if (i32.and (i32.eqz (local.get $mrg)) (i32.lt_u (local.get $done) (local.get $need)))
            (then
              (local.set $la (local.get $la0))
              (local.set $lu (local.get $lu0))
              (br $stop)))
          (local.set $base (call $used_note (local.get $rec) (local.get $base) (local.get $lu)
            (local.get $head) (i32.sub (local.get $done) (local.get $from))))
          (local.set $la (i32.and (i32.add (local.get $la) (i32.const 1)) (i32.const 0xffff)))
          (local.set $lu (i32.and (i32.add (local.get $lu) (i32.const 1)) (i32.const 0xffff)))
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
        ;; its pool when it is one direct segment with refcnt 1 (it has no next), else 0
        (local.set $p (select (i32.load offset=48 (local.get $m)) (i32.const 0)
          (i32.and
            (i32.and (i32.eq (i32.load16_u offset=14 (local.get $m)) (i32.const 1))
              (i32.eq (i32.load16_u offset=16 (local.get $m)) (i32.const 1)))
            (i32.eqz (i32.and (i32.load offset=24 (local.get $m)) (i32.const 0x40000000))))))
        (local.set $fp (select (local.get $p) (i32.const 0)
          (i32.or (i32.eq (local.get $fp) (i32.const -1)) (i32.eq (local.get $fp) (local.get $p)))))
        (local.set $placed (i32.add (local.get $placed) (i32.const 1)))
        (br $packet)))
    (call $flush (local.get $rec) (local.get $list) (local.get $at))
    (drop (call $used_out (local.get $rec) (local.get $base) (local.get $lu)))
    (i32.store offset=4 (local.get $rec) (local.get $la))
    (i32.store offset=8 (local.get $rec) (local.get $lu))
    (i32.store offset=48 (local.get $rec) (select (i32.const 0) (local.get $fp) (i32.eq (local.get $fp) (i32.const -1))))
    (local.get $placed))
)
