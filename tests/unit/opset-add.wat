;; The module the interpreter subset of test_opset is cut to (weft opcodes --header).
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
