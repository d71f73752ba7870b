;; The per-packet loop of the fast-free transmit path of igb and ixgbe (see tx.ts): one advanced data
;; descriptor per one-segment packet, and the packet's handle in the software ring.
;; Arguments are arena offsets; `base` is where arena offset 0 lies in this memory.
;; Layouts: mbuf (@nic/eal mbuf-layout.ts): buf_iova at 4 (64-bit, little-endian), data_off
;; at 12 (16-bit), data_len at 36 (16-bit). Descriptor (desc.ts): address at 0 (64-bit),
;; cmd_type_len at 8, olinfo_status at 12.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))

  ;; fill(handles, n, desc, sw) -> bytes: for each of the n handles at `handles`, a descriptor
  ;; at `desc` (then the next one) and the handle at `sw` (then the next slot). Returns the
  ;; sum of the data lengths.
  (func (export "fill") (param $handles i32) (param $n i32) (param $desc i32) (param $sw i32) (result i32)
    (local $end i32) (local $handle i32) (local $pkt i32) (local $len i32) (local $bytes i32)
    (local.set $handles (i32.add (local.get $handles) (global.get $base)))
    (local.set $desc (i32.add (local.get $desc) (global.get $base)))
    (local.set $sw (i32.add (local.get $sw) (global.get $base)))
    (local.set $end (i32.add (local.get $handles) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $handles) (local.get $end)))
      (loop $next
        (local.set $handle (i32.load (local.get $handles)))
        (local.set $pkt (i32.add (local.get $handle) (global.get $base)))
        (local.set $len (i32.load16_u offset=36 (local.get $pkt)))
        (local.set $bytes (i32.add (local.get $bytes) (local.get $len)))
        ;; address: buf_iova + data_off
        (i64.store (local.get $desc)
          (i64.add (i64.load offset=4 align=4 (local.get $pkt)) (i64.load16_u offset=12 (local.get $pkt))))
        ;; cmd_type_len: TXD_DTYP_DATA | TXD_DCMD_DEXT | TXD_DCMD_IFCS | TXD_DCMD_EOP, and the length
        (i32.store offset=8 (local.get $desc) (i32.or (i32.const 0x23300000) (local.get $len)))
        ;; olinfo_status: the payload length at TXD_PAYLEN_SHIFT (14)
        (i32.store offset=12 (local.get $desc) (i32.shl (local.get $len) (i32.const 14)))
        (i32.store (local.get $sw) (local.get $handle))
        (local.set $desc (i32.add (local.get $desc) (i32.const 16)))
        (local.set $sw (i32.add (local.get $sw) (i32.const 4)))
        (local.set $handles (i32.add (local.get $handles) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $handles) (local.get $end)))))
    (local.get $bytes))
)
