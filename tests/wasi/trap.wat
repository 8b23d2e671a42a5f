;; _start traps.
(module
  (func (export "_start")
    unreachable))
