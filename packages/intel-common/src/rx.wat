;; The per-descriptor loops of the advanced-descriptor receive path (see rx.ts), for igb and
;; ixgbe alike. Arguments are arena offsets; `base` is where arena offset 0 lies in this
;; memory.
;; Layouts: queue record (layout.ts): ring 0, nb_desc 4, sw_ring 8, next 16, pkt_first 28,
;; pkt_last 32, fresh 44, port 48, err_mask 52, vlan_flags 56, burst_bytes 60, burst_bad 64,
;; buf_room 72, pkt_bad 76.
;; Descriptor (desc.ts), read format: pkt_addr 0 (64-bit), hdr_addr 8 (64-bit); write-back:
;; pkt_info 0, rss 4, status_error 8, length 12 (16-bit), vlan 14 (16-bit). Status: DD 0x1,
;; EOP 0x2, VP 0x8; pkt_info: RSS type 3:0, packet type 10:4 (desc.ts RXD_PKTTYPE_*).
;; mbuf (@nic/eal mbuf-layout.ts): buf_iova 4 (64-bit), data_off 12, nb_segs 16, port 18
;; (16-bit each), ol_flags 20 (64-bit), packet_type 28, pkt_len 32, data_len 36 (16-bit),
;; vlan_tci 38 (16-bit), rss 40, vlan_tci_outer 44 (16-bit), next 52. Headroom 128.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; scan(ring, next, nbDesc, n) -> done descriptors from `next` on (wrapping), at most n.
  (func (export "scan") (param $ring i32) (param $next i32) (param $nb i32) (param $n i32) (result i32)
    (local $ready i32)
    (local.set $ring (i32.add (local.get $ring) (global.get $base)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $more
        (br_if $done (i32.eqz (i32.and (i32.load offset=8
          (i32.add (local.get $ring) (i32.shl (local.get $next) (i32.const 4)))) (i32.const 1))))
        (local.set $next (i32.add (local.get $next) (i32.const 1)))
        (if (i32.eq (local.get $next) (local.get $nb)) (then (local.set $next (i32.const 0))))
        (local.set $ready (i32.add (local.get $ready) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $ready) (local.get $n)))))
    (local.get $ready))

  ;; rx(rec, ready, out) -> frames: takes `ready` done descriptors from the queue's `next` on.
  ;; Each descriptor's mbuf is swapped for the next replacement at `fresh` and the descriptor
  ;; re-armed with it; segments chain until EOP. A whole frame goes to `out` (u32 handles),
  ;; or, when its last descriptor has an error in `err_mask`, its head goes back to `fresh`
  ;; (index burst_bad, never ahead of the replacements still to take). A segment whose length
  ;; exceeds buf_room (a device writing past the buffer) gets data_len 0 and makes its whole
  ;; frame an error too, so no mbuf ever claims bytes beyond its buffer. Updates next,
  ;; pkt_first, pkt_last, pkt_bad, burst_bytes and burst_bad in the record.
  (func (export "rx") (param $rec i32) (param $ready i32) (param $out i32) (result i32)
    (local $ring i32) (local $nb i32) (local $sw i32) (local $next i32) (local $first i32)
    (local $last i32) (local $fresh i32) (local $port i32) (local $errs i32) (local $vflags i32)
    (local $k i32) (local $got i32) (local $bad i32) (local $bytes i32)
    (local $d i32) (local $slot i32) (local $m i32) (local $mo i32) (local $nm i32) (local $head i32)
    (local $status i32) (local $len i32) (local $info i32) (local $rss i32) (local $vlan i32) (local $flags i32)
    (local $room i32) (local $pbad i32) (local $b i32)
    ;; the base in a local: an imported global is a load through the instance at every use
    (local.set $b (global.get $base))
    (local.set $rec (i32.add (local.get $rec) (local.get $b)))
    (local.set $out (i32.add (local.get $out) (local.get $b)))
    (local.set $ring (i32.add (i32.load offset=0 (local.get $rec)) (local.get $b)))
    (local.set $nb (i32.load offset=4 (local.get $rec)))
    (local.set $sw (i32.add (i32.load offset=8 (local.get $rec)) (local.get $b)))
    (local.set $next (i32.load offset=16 (local.get $rec)))
    (local.set $first (i32.load offset=28 (local.get $rec)))
    (local.set $last (i32.load offset=32 (local.get $rec)))
    (local.set $fresh (i32.add (i32.load offset=44 (local.get $rec)) (local.get $b)))
    (local.set $port (i32.load offset=48 (local.get $rec)))
    (local.set $errs (i32.load offset=52 (local.get $rec)))
    (local.set $vflags (i32.load offset=56 (local.get $rec)))
    (local.set $room (i32.load offset=72 (local.get $rec)))
    (local.set $pbad (i32.load offset=76 (local.get $rec)))
    (block $end
      (br_if $end (i32.eqz (local.get $ready)))
      (loop $desc
        (local.set $d (i32.add (local.get $ring) (i32.shl (local.get $next) (i32.const 4))))
        (local.set $slot (i32.add (local.get $sw) (i32.shl (local.get $next) (i32.const 2))))
        ;; every write-back field is read before the descriptor is re-armed over them
        (local.set $status (i32.load offset=8 (local.get $d)))
        (local.set $len (i32.load16_u offset=12 (local.get $d)))
        (local.set $info (i32.load offset=0 (local.get $d)))
        (local.set $rss (i32.load offset=4 (local.get $d)))
        (local.set $vlan (i32.load16_u offset=14 (local.get $d)))
        (if (i32.gt_u (local.get $len) (local.get $room))
          (then
            (local.set $len (i32.const 0))
            (local.set $pbad (i32.const 1))))
        (local.set $mo (i32.load (local.get $slot)))
        (local.set $m (i32.add (local.get $mo) (local.get $b)))
        (local.set $nm (i32.load (i32.add (local.get $fresh) (i32.shl (local.get $k) (i32.const 2)))))
        (i32.store (local.get $slot) (local.get $nm))
        (local.set $nm (i32.add (local.get $nm) (local.get $b)))
        ;; re-arm: packet address = buf_iova + headroom, header address 0 (this clears DD)
        (i64.store offset=0 (local.get $d) (i64.add (i64.load offset=4 align=4 (local.get $nm)) (i64.const 128)))
        (i64.store offset=8 (local.get $d) (i64.const 0))
        (local.set $next (i32.add (local.get $next) (i32.const 1)))
        (if (i32.eq (local.get $next) (local.get $nb)) (then (local.set $next (i32.const 0))))
        (if (i32.and (i32.eqz (i32.or (local.get $first) (local.get $pbad)))
              (i32.eq (i32.and (local.get $status) (i32.or (local.get $errs) (i32.const 2))) (i32.const 2)))
          (then
            ;; A whole good frame in one descriptor (the common case), its fields in wide stores:
            ;; data_off 128, refcnt 1 and nb_segs 1 (as the pool keeps them), port; packet type
            ;; and pkt_len; data_len, VLAN tag (0 without VP) and RSS hash (0 without an RSS
            ;; type); VLAN outer 0.
            (i64.store offset=12 align=4 (local.get $m)
              (i64.or (i64.const 0x0000000100010080) (i64.shl (i64.extend_i32_u (local.get $port)) (i64.const 48))))
            (i64.store offset=28 align=4 (local.get $m)
              (i64.or
                (i64.extend_i32_u (i32.or (i32.or (i32.const 1) (i32.and (local.get $info) (i32.const 0x7f0)))
                  (i32.shr_u (i32.and (local.get $info) (i32.const 0xa0)) (i32.const 1))))
                (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))
            (local.set $vlan (select (local.get $vlan) (i32.const 0) (i32.and (local.get $status) (i32.const 8))))
            (i64.store offset=36 align=4 (local.get $m)
              (i64.or (i64.extend_i32_u (i32.or (local.get $len) (i32.shl (local.get $vlan) (i32.const 16))))
                (i64.shl (i64.extend_i32_u (select (local.get $rss) (i32.const 0) (i32.and (local.get $info) (i32.const 0xf))))
                  (i64.const 32))))
            (i32.store16 offset=44 (local.get $m) (i32.const 0))
            (i64.store offset=20 align=4 (local.get $m) (i64.extend_i32_u (i32.or
              (select (i32.const 2) (i32.const 0) (i32.and (local.get $info) (i32.const 0xf)))
              (select (local.get $vflags) (i32.const 0) (i32.and (local.get $status) (i32.const 8))))))
            (local.set $bytes (i32.add (local.get $bytes) (local.get $len)))
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $got) (i32.const 2))) (local.get $mo))
            (local.set $got (i32.add (local.get $got) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $desc (i32.lt_u (local.get $k) (local.get $ready)))
            (br $end)))
        (i32.store16 offset=12 (local.get $m) (i32.const 128))
        (i32.store16 offset=36 (local.get $m) (local.get $len))
        (if (i32.eqz (local.get $first))
          (then
            (local.set $first (local.get $mo))
            (local.set $head (local.get $m))
            (i32.store offset=32 (local.get $m) (local.get $len)))
          (else
            (i32.store offset=52 (i32.add (local.get $last) (local.get $b)) (local.get $mo))
            (local.set $head (i32.add (local.get $first) (local.get $b)))
            (i32.store offset=32 (local.get $head) (i32.add (i32.load offset=32 (local.get $head)) (local.get $len)))
            (i32.store16 offset=16 (local.get $head) (i32.add (i32.load16_u offset=16 (local.get $head)) (i32.const 1)))))
        (local.set $last (local.get $mo))
        (if (i32.and (local.get $status) (i32.const 2))
          (then
            (if (i32.or (local.get $pbad) (i32.ne (i32.and (local.get $status) (local.get $errs)) (i32.const 0)))
              (then
                (i32.store (i32.add (local.get $fresh) (i32.shl (local.get $bad) (i32.const 2))) (local.get $first))
                (local.set $bad (i32.add (local.get $bad) (i32.const 1))))
              (else
                (i32.store16 offset=18 (local.get $head) (local.get $port))
                (local.set $flags (i32.const 0))
                (if (i32.and (local.get $info) (i32.const 0xf))
                  (then
                    (i32.store offset=40 (local.get $head) (local.get $rss))
                    (local.set $flags (i32.const 2))))
                (if (i32.and (local.get $status) (i32.const 8))
                  (then
                    (i32.store16 offset=38 (local.get $head) (local.get $vlan))
                    (local.set $flags (i32.or (local.get $flags) (local.get $vflags))))
                  (else (i32.store16 offset=38 (local.get $head) (i32.const 0))))
                (i32.store16 offset=44 (local.get $head) (i32.const 0))
                (i64.store offset=20 align=4 (local.get $head) (i64.extend_i32_u (local.get $flags)))
                ;; packet type: L2_ETHER, the L3 and L4 bits where RTE_PTYPE has them, IPv4/IPv6
                ;; with options or extensions widened to RTE_PTYPE's _EXT values
                (i32.store offset=28 (local.get $head)
                  (i32.or (i32.or (i32.const 1) (i32.and (local.get $info) (i32.const 0x7f0)))
                    (i32.shr_u (i32.and (local.get $info) (i32.const 0xa0)) (i32.const 1))))
                (local.set $bytes (i32.add (local.get $bytes) (i32.load offset=32 (local.get $head))))
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $got) (i32.const 2))) (local.get $first))
                (local.set $got (i32.add (local.get $got) (i32.const 1)))))
            (local.set $first (i32.const 0))
            (local.set $last (i32.const 0))
            (local.set $pbad (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $desc (i32.lt_u (local.get $k) (local.get $ready)))))
    (i32.store offset=16 (local.get $rec) (local.get $next))
    (i32.store offset=28 (local.get $rec) (local.get $first))
    (i32.store offset=32 (local.get $rec) (local.get $last))
    (i32.store offset=76 (local.get $rec) (local.get $pbad))
    (i32.store offset=60 (local.get $rec) (local.get $bytes))
    (i32.store offset=64 (local.get $rec) (local.get $bad))
    (local.get $got))
)
