;; A test kernel: a word of the arena read or written at an arena offset.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "base" (global $base i32))
  (func (export "load") (param $offset i32) (result i32)
    (i32.load (i32.add (local.get $offset) (global.get $base))))
  (func (export "store") (param $offset i32) (param $value i32)
    (i32.store (i32.add (local.get $offset) (global.get $base)) (local.get $value))))
