;; The check of MbufView.freeBulk's fast path (see mbuf.ts): how many packets of a burst, from
;; the first on, are plain mbufs of the first one's pool, which go back to it as they are.
;; Arguments are arena offsets; `base` is where arena offset 0 lies in this memory.
;; mbuf (mbuf-layout.ts): refcnt 14 and nb_segs 16 (16-bit each, so one 32-bit load reads
;; both), ol_flags 20 (64-bit; IND_ATTACHED_MBUF is bit 62, bit 30 of the high word), pool 48,
;; next 52.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; plain(at, n) -> k: the handles at `at` .. `at + 4k` are each a direct mbuf with refcnt 1,
  ;; one segment, no next, whose pool is the first handle's; the handle at `at + 4k` (if
  ;; k < n) is not, or is 0.
  (func (export "plain") (param $at i32) (param $n i32) (result i32)
    (local $k i32) (local $m i32) (local $pool i32)
    (local.set $at (i32.add (local.get $at) (global.get $base)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $m (i32.load (local.get $at)))
      (br_if $done (i32.eqz (local.get $m)))
      (local.set $pool (i32.load offset=48 (i32.add (local.get $m) (global.get $base))))
      (loop $more
        (local.set $m (i32.load (local.get $at)))
        (br_if $done (i32.eqz (local.get $m)))
        (local.set $m (i32.add (local.get $m) (global.get $base)))
        (br_if $done (i32.ne (i32.load offset=14 align=2 (local.get $m)) (i32.const 0x00010001)))
        (br_if $done (i32.load offset=52 (local.get $m)))
        (br_if $done (i32.and (i32.load offset=24 (local.get $m)) (i32.const 0x40000000)))
        (br_if $done (i32.ne (i32.load offset=48 (local.get $m)) (local.get $pool)))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $k) (local.get $n)))))
    (local.get $k))
)
