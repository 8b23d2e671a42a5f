;; An exception that escapes a lifted core function traps at the component
;; boundary; one caught inside the component does not.
(component
  (core module $M
    (tag $t (param i32))
    (func (export "escape") (param i32) (result i32)
      (throw $t (local.get 0)))
    (func (export "caught") (param i32) (result i32)
      (block $h (result i32)
        (try_table (catch $t $h) (throw $t (local.get 0)))
        (unreachable))))
  (core instance $i (instantiate $M))
  (func (export "escape") (param "x" u32) (result u32)
    (canon lift (core func $i "escape")))
  (func (export "caught") (param "x" u32) (result u32)
    (canon lift (core func $i "caught"))))

(assert_return (invoke "caught" (u32.const 5)) (u32.const 5))
;; (after a trap the component instance may not be entered again)
(assert_trap (invoke "escape" (u32.const 1)) "uncaught exception")

;; A lowered component function that traps with an uncaught exception is not
;; catchable by a core try_table in the caller: the trap propagates.
(component
  (component $Inner
    (core module $M
      (tag $t)
      (func (export "f") (throw $t)))
    (core instance $i (instantiate $M))
    (func (export "f") (canon lift (core func $i "f"))))
  (instance $inner (instantiate $Inner))
  (core func $f (canon lower (func $inner "f")))
  (core module $Caller
    (import "x" "f" (func $f))
    (func (export "run") (result i32)
      (block $h
        (try_table (catch_all $h) (call $f))
        (return (i32.const 0)))
      (i32.const 1)))
  (core instance $c (instantiate $Caller (with "x" (instance (export "f" (func $f))))))
  (func (export "run") (result u32) (canon lift (core func $c "run"))))

(assert_trap (invoke "run") "uncaught exception")
