;; A module needing an instruction (i64.mul) the subset of test_opset leaves out.
(module
  (func (export "mul") (param i64 i64) (result i64)
    local.get 0
    local.get 1
    i64.mul))
