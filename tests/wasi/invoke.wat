;; An export with one parameter and one result of each number type.
(module
  (func (export "mix") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (i32.mul (local.get 0) (i32.const 2))
    (i64.sub (local.get 1) (i64.const 1))
    (f32.mul (local.get 2) (f32.const 2))
    (f64.div (local.get 3) (f64.const 3))))
