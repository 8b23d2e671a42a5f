;; Flags: 3 labels (one byte), 9 labels (two bytes), 17 and 32 labels (four
;; bytes).
;; Lifting ignores bits past the last label; lowering sets only label bits.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 8192))
    (func (export "realloc") (param $old i32) (param $osz i32) (param $align i32) (param $nsz i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $bump (i32.add (local.get $p) (local.get $nsz)))
      (memory.copy (local.get $p) (local.get $old)
        (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))
      (local.get $p))
    (func (export "id") (param i32) (result i32) (local.get 0))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    ;; a list<f9> as its bytes
    (func (export "bytes2") (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (i32.shl (local.get 1) (i32.const 1)))
      (i32.const 0))

    ;; list<f9> pairs and elements
    (data (i32.const 16) "\00\04\00\00\03\00\00\00")
    (data (i32.const 1024) "\ff\01" "\00\fe" "\01\01")
    ;; list<f3> pair and elements
    (data (i32.const 24) "\10\04\00\00\03\00\00\00")
    (data (i32.const 1040) "\ff" "\f8" "\02")
    ;; list<f17> pair and elements
    (data (i32.const 32) "\20\04\00\00\02\00\00\00")
    (data (i32.const 1056) "\ff\ff\01\ff" "\00\00\02\00")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))

  (type $f3 (flags "a" "b" "c"))
  (type $f9 (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8"))
  (type $f17 (flags "h0" "h1" "h2" "h3" "h4" "h5" "h6" "h7" "h8" "h9" "h10" "h11" "h12" "h13" "h14" "h15" "h16"))
  (type $wide (flags
    "g0" "g1" "g2" "g3" "g4" "g5" "g6" "g7" "g8" "g9" "g10" "g11" "g12" "g13" "g14" "g15"
    "g16" "g17" "g18" "g19" "g20" "g21" "g22" "g23" "g24" "g25" "g26" "g27" "g28" "g29" "g30" "g31"))

  (func $f3-from (param "x" u32) (result $f3) (canon lift (core func $m "id")))
  (func $wide-from (param "x" u32) (result $wide) (canon lift (core func $m "id")))
  (func $f3-bits (param "x" $f3) (result u32) (canon lift (core func $m "id")))
  (func $wide-bits (param "x" $wide) (result u32) (canon lift (core func $m "id")))
  (func $f9s-at (param "at" u32) (result (list $f9)) (canon lift (core func $m "id") (memory $mem)))
  (func $f17s-at (param "at" u32) (result (list $f17)) (canon lift (core func $m "id") (memory $mem)))
  (func $f3s-at (param "at" u32) (result (list $f3)) (canon lift (core func $m "id") (memory $mem)))
  (func $echo-f9s (param "xs" (list $f9)) (result (list $f9))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $f9s-bytes (param "xs" (list $f9)) (result (list u8))
    (canon lift (core func $m "bytes2") (memory $mem) (realloc $realloc)))

  (instance $t
    (export "f3" (type $f3))
    (export "f9" (type $f9))
    (export "f17" (type $f17))
    (export "wide" (type $wide))
    (export "f3-from" (func $f3-from))
    (export "wide-from" (func $wide-from))
    (export "f3-bits" (func $f3-bits))
    (export "wide-bits" (func $wide-bits))
    (export "f9s-at" (func $f9s-at))
    (export "f3s-at" (func $f3s-at))
    (export "f17s-at" (func $f17s-at))
    (export "echo-f9s" (func $echo-f9s))
    (export "f9s-bytes" (func $f9s-bytes))
  )
  (export "t" (instance $t))
)
