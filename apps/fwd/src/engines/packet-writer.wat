;; txonly's per-packet loop (see packet-writer.ts): per mbuf, the metadata of a generated
;; packet and the frame: a 64-byte head, then zeros.
;; Arguments are arena offsets; `base` is where arena offset 0 lies in this memory.
;; Mbuf layout (@nic/eal mbuf-layout.ts): data_off at 12 (with refcnt at 14), ol_flags at 20
;; (64-bit), pkt_len at 32, data_len at 36 (with vlan_tci at 38), vlan_tci_outer at 44 (with
;; buf_len at 46).
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; write(handles, n, data, len, dataOffWord, outerWord, zeroQuads, h0 .. h15): for each of the n
  ;; handles at `handles`: the word at data_off gets `dataOffWord` (data offset and refcnt),
  ;; pkt_len `len`, the data_len word `len` (vlan_tci 0), ol_flags 0, the vlan_tci_outer word
  ;; `outerWord` (buf_len kept); the frame goes `data` bytes past the mbuf: the head's 16
  ;; little-endian words, then `zeroQuads` 8-byte zeros.
  (func (export "write")
    (param $handles i32) (param $n i32) (param $data i32) (param $len i32) (param $dataOffWord i32)
    (param $outerWord i32) (param $zeroQuads i32)
    (param $h0 i32) (param $h1 i32) (param $h2 i32) (param $h3 i32) (param $h4 i32) (param $h5 i32) (param $h6 i32) (param $h7 i32)
    (param $h8 i32) (param $h9 i32) (param $h10 i32) (param $h11 i32) (param $h12 i32) (param $h13 i32) (param $h14 i32) (param $h15 i32)
    (local $end i32) (local $m i32) (local $at i32) (local $stop i32)
    (local $q0 i64) (local $q1 i64) (local $q2 i64) (local $q3 i64) (local $q4 i64) (local $q5 i64) (local $q6 i64) (local $q7 i64)
    (local.set $q0 (call $quad (local.get $h0) (local.get $h1)))
    (local.set $q1 (call $quad (local.get $h2) (local.get $h3)))
    (local.set $q2 (call $quad (local.get $h4) (local.get $h5)))
    (local.set $q3 (call $quad (local.get $h6) (local.get $h7)))
    (local.set $q4 (call $quad (local.get $h8) (local.get $h9)))
    (local.set $q5 (call $quad (local.get $h10) (local.get $h11)))
    (local.set $q6 (call $quad (local.get $h12) (local.get $h13)))
    (local.set $q7 (call $quad (local.get $h14) (local.get $h15)))
    (local.set $handles (i32.add (local.get $handles) (global.get $base)))
    (local.set $end (i32.add (local.get $handles) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $handles) (local.get $end)))
      (loop $next
        (local.set $m (i32.add (i32.load (local.get $handles)) (global.get $base)))
        (i32.store offset=12 (local.get $m) (local.get $dataOffWord))
        (i32.store offset=32 (local.get $m) (local.get $len))
        (i32.store offset=36 (local.get $m) (local.get $len))
        (i64.store offset=20 align=4 (local.get $m) (i64.const 0))
        (i32.store offset=44 (local.get $m) (local.get $outerWord))
        (local.set $at (i32.add (local.get $m) (local.get $data)))
        (i64.store offset=0 (local.get $at) (local.get $q0))
        (i64.store offset=8 (local.get $at) (local.get $q1))
        (i64.store offset=16 (local.get $at) (local.get $q2))
        (i64.store offset=24 (local.get $at) (local.get $q3))
        (i64.store offset=32 (local.get $at) (local.get $q4))
        (i64.store offset=40 (local.get $at) (local.get $q5))
        (i64.store offset=48 (local.get $at) (local.get $q6))
        (i64.store offset=56 (local.get $at) (local.get $q7))
        ;; the zeros after the head, if any
        (local.set $stop (i32.add (local.get $at) (i32.shl (local.get $zeroQuads) (i32.const 3))))
        (block $zeroed
          (br_if $zeroed (i32.ge_u (local.get $at) (local.get $stop)))
          (loop $zero
            (i64.store offset=64 (local.get $at) (i64.const 0))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))
            (br_if $zero (i32.lt_u (local.get $at) (local.get $stop)))))
        (local.set $handles (i32.add (local.get $handles) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $handles) (local.get $end))))))

  ;; The 8 bytes of two little-endian words, `lo` first.
  (func $quad (param $lo i32) (param $hi i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get $lo)) (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 32))))
)
