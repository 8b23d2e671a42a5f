;; Calls proc_exit directly, without a memory.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start")
    (call $exit (i32.const 42))
    unreachable))
