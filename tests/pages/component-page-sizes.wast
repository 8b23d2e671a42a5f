;; Core memory types in components carry their page size: instantiation
;; arguments and imported core module types must agree on it.

(assert_invalid
  (component
    (core module $m (memory (export "m") 1 (pagesize 1)))
    (core module $n (import "a" "m" (memory 1)))
    (core instance $i (instantiate $m))
    (core instance (instantiate $n (with "a" (instance $i)))))
  "expected a page size of 65536 bytes, found 1")

(assert_invalid
  (component
    (core module $m (memory (export "m") 1))
    (core module $n (import "a" "m" (memory 1 (pagesize 1))))
    (core instance $i (instantiate $m))
    (core instance (instantiate $n (with "a" (instance $i)))))
  "expected a page size of 1 bytes, found 65536")

;; A byte-page memory shared between two core instances, lifted through
;; the canonical ABI.
(component
  (core module $m
    (memory (export "m") 16 16 (pagesize 1))
    (data (i32.const 0) "hi!")
    (func (export "get") (result i32) (i32.const 8))
    (data (i32.const 8) "\00\00\00\00\03\00\00\00"))
  (core module $n
    (import "a" "m" (memory 16 (pagesize 1)))
    (func (export "size") (result i32) (memory.size)))
  (core instance $i (instantiate $m))
  (core instance $j (instantiate $n (with "a" (instance $i))))
  (func (export "get") (result string)
    (canon lift (core func $i "get") (memory (core memory $i "m"))))
  (func (export "size") (result u32) (canon lift (core func $j "size"))))
(assert_return (invoke "get") (str.const "hi!"))
(assert_return (invoke "size") (u32.const 16))

;; A core module type in a component type keeps the page size.
(assert_invalid
  (component
    (import "m" (core module $m (export "mem" (memory 1 (pagesize 1)))))
    (core module $n (import "a" "mem" (memory 1)))
    (core instance $i (instantiate $m))
    (core instance (instantiate $n (with "a" (instance $i)))))
  "expected a page size of 65536 bytes, found 1")
