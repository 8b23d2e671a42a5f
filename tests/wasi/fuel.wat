;; _start never returns: used with --fuel.
(module
  (func (export "_start")
    (loop br 0)))
