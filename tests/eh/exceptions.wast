;; Core exception handling (Wasm 3.0, exnref form): throw, throw_ref and
;; try_table with every kind of catch clause, across frames and instances.

(module $M
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i32 i64 f32 f64))
  (tag $eref (param externref))
  (tag $other (param i32))
  (export "e1" (tag $e1))

  (func $throw1 (param i32) (throw $e1 (local.get 0)))
  ;; three frames between the throw and the handler, with live locals
  (func $deep3 (param i32) (local i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 1)))
    (call $throw1 (local.get 1))
    (unreachable))
  (func $deep2 (param i32) (call $deep3 (i32.mul (local.get 0) (i32.const 10))))
  (func $deep1 (param i32) (result i32)
    (call $deep2 (local.get 0))
    (i32.const -1))

  (func (export "catch-deep") (param i32) (result i32)
    (local $keep i32)
    (local.set $keep (i32.const 1000))
    (block $h (result i32)
      (try_table (result i32) (catch $e1 $h)
        (call $deep1 (local.get 0)))
      (return))
    (local.get $keep)
    (i32.add))

  ;; several payload values of different types
  (func (export "payload") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (block $h (result i32 i64 f32 f64)
      (try_table (catch $e2 $h)
        (throw $e2 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (unreachable)))

  (func (export "payload-ref-null") (result i32)
    (ref.is_null
      (block $h (result externref)
        (try_table (catch $eref $h)
          (throw $eref (ref.null extern)))
        (unreachable))))

  ;; catch_ref then throw_ref: the rethrown exception is caught outside
  ;; with the same tag and payload
  (func (export "rethrow") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $e1 $outer)
        (block $h (result i32 exnref)
          (try_table (catch_ref $e1 $h)
            (call $throw1 (local.get 0)))
          (unreachable))
        (throw_ref)))
    (i32.const 1)
    (i32.add))

  ;; catch_all_ref keeps the exception; rethrowing it still carries $e1
  (func (export "rethrow-all") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $e1 $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h)
            (call $throw1 (local.get 0)))
          (unreachable))
        (throw_ref)))
    (i32.const 2)
    (i32.add))

  ;; catch_all: the payload is dropped
  (func (export "catch-all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h)
        (if (i32.eqz (local.get 0)) (then (throw $e0)))
        (throw $e1 (local.get 0)))
      (unreachable))
    (i32.const 7))

  ;; nested try_tables: the innermost matching handler wins; a handler for
  ;; another tag lets the exception pass through to the outer one
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $e1 $outer)
        (block $inner (result i32)
          (try_table (result i32) (catch $other $inner)
            (block $innermost (result i32)
              (try_table (result i32) (catch $e1 $innermost)
                (if (local.get 0)
                  (then (throw $e1 (i32.const 5)))
                  (else (throw $other (i32.const 6))))
                (i32.const 0)))
            (i32.const 100)
            (i32.add))
          (return))
        (i32.const 200)
        (i32.add))
      (return))
    (i32.const 300)
    (i32.add))

  ;; a try_table whose body does not throw; the catch label is the function
  (func (export "no-throw") (param i32) (result i32)
    (try_table (result i32) (catch $e1 0)
      (i32.add (local.get 0) (i32.const 1))))

  ;; a catch targeting the function label returns the payload directly
  (func (export "catch-to-func") (param i32) (result i32)
    (try_table (catch $e1 0)
      (call $throw1 (local.get 0)))
    (i32.const -1))

  ;; a catch targeting a loop label: the loop runs again with the payload
  (func (export "loop-retry") (param i32) (result i32)
    (local $n i32)
    (local.get 0)
    (loop $l (param i32) (result i32)
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (try_table (param i32) (result i32) (catch $e1 $l)
        (local.set 0)
        (if (i32.gt_s (local.get 0) (i32.const 0))
          (then (throw $e1 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get $n))))

  ;; exceptions escaping to the host
  (func (export "escape") (param i32) (call $throw1 (local.get 0)))
  (func (export "escape-other") (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h) (throw $other (i32.const 1)))
      (unreachable)))
  (func (export "throw-null") (throw_ref (ref.null exn)))

  ;; exnref values: null checks and locals
  (func (export "exnref-null") (result i32)
    (local exnref)
    (ref.is_null (local.get 0)))
  (func (export "exnref-kept") (result i32)
    (local $x exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $e0))
      (unreachable))
    (local.set $x)
    (ref.is_null (local.get $x)))

  ;; many throws caught in a loop (a plain catch frees each exception)
  (func (export "loop-throws") (param i32) (result i32)
    (local $sum i32)
    (loop $l
      (block $h (result i32)
        (try_table (catch $e1 $h) (throw $e1 (local.get 0)))
        (unreachable))
      (local.set $sum (i32.add (local.get $sum)))
      (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l))
    (local.get $sum))
)

(assert_return (invoke "catch-deep" (i32.const 4)) (i32.const 1041))
(assert_return (invoke "payload" (i32.const -3) (i64.const 0x123456789) (f32.const 1.5) (f64.const -2.25))
  (i32.const -3) (i64.const 0x123456789) (f32.const 1.5) (f64.const -2.25))
(assert_return (invoke "payload-ref-null") (i32.const 1))
(assert_return (invoke "rethrow" (i32.const 40)) (i32.const 41))
(assert_return (invoke "rethrow-all" (i32.const 40)) (i32.const 42))
(assert_return (invoke "catch-all" (i32.const 0)) (i32.const 7))
(assert_return (invoke "catch-all" (i32.const 3)) (i32.const 7))
;; the innermost handler for $e1 wins over the outer one
(assert_return (invoke "nested" (i32.const 1)) (i32.const 105))
;; $other passes through the innermost handler (for $e1) to the next one
(assert_return (invoke "nested" (i32.const 0)) (i32.const 206))
(assert_return (invoke "no-throw" (i32.const 1)) (i32.const 2))
(assert_return (invoke "catch-to-func" (i32.const 17)) (i32.const 17))
(assert_return (invoke "loop-retry" (i32.const 3)) (i32.const 4))
(assert_trap (invoke "escape" (i32.const 1)) "uncaught exception")
(assert_exception (invoke "escape" (i32.const 2)))
(assert_trap (invoke "escape-other") "uncaught exception")
(assert_trap (invoke "throw-null") "null reference")
(assert_return (invoke "exnref-null") (i32.const 1))
(assert_return (invoke "exnref-kept") (i32.const 0))
(assert_return (invoke "loop-throws" (i32.const 1000)) (i32.const 500500))
;; the store is still usable after an uncaught exception
(assert_return (invoke "catch-deep" (i32.const 0)) (i32.const 1001))

;; Tags are imported with their identity: a catch in another instance for
;; the imported tag catches the exporter's throws.
(register "M" $M)
(module $N
  (import "M" "e1" (tag $e1 (param i32)))
  (tag $local (param i32))
  (func (export "throw-imported") (param i32) (throw $e1 (local.get 0)))
  (func (export "throw-local") (param i32) (throw $local (local.get 0)))
  (func (export "catch-imported") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h)
        (call 0 (local.get 0)))
      (i32.const -1))))
(assert_return (invoke $N "catch-imported" (i32.const 8)) (i32.const 8))
(register "N" $N)
(module $P
  (import "M" "e1" (tag $e1 (param i32)))
  (import "N" "throw-local" (func $throw-local (param i32)))
  (import "N" "throw-imported" (func $throw-imported (param i32)))
  (func (export "run") (param i32) (result i32)
    (block $all
      (block $h (result i32)
        (try_table (catch $e1 $h) (catch_all $all)
          (if (local.get 0)
            (then (call $throw-imported (i32.const 11)))
            (else (call $throw-local (i32.const 12)))))
        (i32.const -2))
      (return))
    (i32.const -1)))
;; $N's own tag is not $e1: only catch_all takes it
(assert_return (invoke $P "run" (i32.const 1)) (i32.const 11))
(assert_return (invoke $P "run" (i32.const 0)) (i32.const -1))

;; Import matching checks the tag's type.
(assert_unlinkable
  (module (import "M" "e1" (tag (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "e1" (func (param i32))))
  "incompatible import type")

;; Validation.
(assert_invalid
  (module (func (throw 0)))
  "unknown tag")
(assert_invalid
  (module (tag $t (param i32)) (func (throw $t)))
  "type mismatch")
(assert_invalid
  (module (tag $t (param i32)) (func (try_table (catch $t 0) (nop))))
  "type mismatch")
(assert_invalid
  (module (tag $t (param i32))
    (func (block $h (result i64) (try_table (catch $t $h) (nop)) (i64.const 0)) (drop)))
  "type mismatch")
(assert_invalid
  (module (tag $t (param i32))
    (func (block $h (result i32) (try_table (catch_ref $t $h) (nop)) (i32.const 0)) (drop)))
  "type mismatch")
(assert_invalid
  (module (func (block $h (result i32) (try_table (catch_all $h) (nop)) (i32.const 0)) (drop)))
  "type mismatch")
(assert_invalid
  (module (func (throw_ref (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (try_table (catch_all 1) (nop))))
  "unknown label")
(assert_invalid
  (module (type (func (result i32))) (tag (type 0)))
  "non-empty tag result type")
(assert_invalid
  (module (type (func (result i32))) (import "M" "e1" (tag (type 0))))
  "non-empty tag result type")
