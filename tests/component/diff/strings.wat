;; Strings in utf8 and utf16 (latin1+utf16 is in latin1.wat). Lifting: the
;; *-at functions return their argument as the address of a (ptr, len) pair
;; in the data below. Lowering: the host writes the argument through realloc;
;; echo* returns it, units* returns the length the core function received,
;; bytes* the code units as a list<u8>.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 4096))
    ;; bump allocator; copies min(old, new) bytes from old
    (func (export "realloc") (param $old i32) (param $osz i32) (param $align i32) (param $nsz i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $bump (i32.add (local.get $p) (local.get $nsz)))
      (memory.copy (local.get $p) (local.get $old)
        (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))
      (local.get $p))
    ;; a realloc returning a misaligned pointer, and one returning a block at the end
    (func (export "realloc-odd") (param i32 i32 i32 i32) (result i32) (i32.const 4097))
    (func (export "realloc-end") (param i32 i32 i32 i32) (result i32) (i32.const 65534))

    (func (export "at") (param i32) (result i32) (local.get 0))
    (func $pair (param $p i32) (param $n i32) (result i32)
      (i32.store (i32.const 0) (local.get $p))
      (i32.store (i32.const 4) (local.get $n))
      (i32.const 0))
    (func (export "echo") (param i32 i32) (result i32) (call $pair (local.get 0) (local.get 1)))
    (func (export "units") (param i32 i32) (result i32) (local.get 1))
    (func (export "bytes16") (param i32 i32) (result i32)
      (call $pair (local.get 0) (i32.shl (local.get 1) (i32.const 1))))

    ;; (ptr, len) pairs
    (data (i32.const 16) "\00\04\00\00" "\16\00\00\00")   ;; 16: utf8 "héllo wörld ☃ 😀"
    (data (i32.const 24) "\40\04\00\00" "\01\00\00\00")   ;; 24: ff
    (data (i32.const 32) "\44\04\00\00" "\03\00\00\00")   ;; 32: "ab" c3 (truncated sequence)
    (data (i32.const 40) "\48\04\00\00" "\02\00\00\00")   ;; 40: c0 80 (overlong NUL)
    (data (i32.const 48) "\4c\04\00\00" "\03\00\00\00")   ;; 48: ed a0 80 (encoded surrogate)
    (data (i32.const 56) "\fa\ff\00\00" "\0a\00\00\00")   ;; 56: 65530, 10: past the end
    (data (i32.const 64) "\00\00\01\00" "\00\00\00\00")   ;; 64: 65536, 0: empty, at the end
    (data (i32.const 72) "\01\00\01\00" "\00\00\00\00")   ;; 72: 65537, 0: empty, past the end
    (data (i32.const 80) "\00\05\00\00" "\10\00\00\00")   ;; 80: utf16 "héllo wörld ☃ 😀"
    (data (i32.const 88) "\40\05\00\00" "\02\00\00\00")   ;; 88: utf16 d800 'A' (lone high surrogate)
    (data (i32.const 96) "\44\05\00\00" "\02\00\00\00")   ;; 96: utf16 dc00 'A' (lone low surrogate)
    (data (i32.const 104) "\01\05\00\00" "\01\00\00\00")  ;; 104: utf16 at an odd address
    (data (i32.const 112) "\fe\ff\00\00" "\02\00\00\00")  ;; 112: utf16 at 65534, 2 units: past the end

    (data (i32.const 1024) "héllo wörld ☃ 😀")
    (data (i32.const 1088) "\ff")
    (data (i32.const 1092) "ab\c3")
    (data (i32.const 1096) "\c0\80")
    (data (i32.const 1100) "\ed\a0\80")
    (data (i32.const 1280) "\68\00\e9\00\6c\00\6c\00\6f\00\20\00\77\00\f6\00\72\00\6c\00\64\00\20\00\03\26\20\00\3d\d8\00\de")
    (data (i32.const 1344) "\00\d8\41\00")
    (data (i32.const 1348) "\00\dc\41\00")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))

  (type $get (func (param "at" u32) (result string)))
  (func $get8 (type $get) (canon lift (core func $m "at") (memory $mem)))
  (func $get16 (type $get) (canon lift (core func $m "at") (memory $mem) string-encoding=utf16))

  (func $echo8 (param "s" string) (result string)
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $units8 (param "s" string) (result u32)
    (canon lift (core func $m "units") (memory $mem) (realloc $realloc)))
  (func $bytes8 (param "s" string) (result (list u8))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo16 (param "s" string) (result string)
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc) string-encoding=utf16))
  (func $units16 (param "s" string) (result u32)
    (canon lift (core func $m "units") (memory $mem) (realloc $realloc) string-encoding=utf16))
  (func $bytes16 (param "s" string) (result (list u8))
    (canon lift (core func $m "bytes16") (memory $mem) (realloc $realloc) string-encoding=utf16))
  (func $units16-odd (param "s" string) (result u32)
    (canon lift (core func $m "units") (memory $mem) (realloc (core func $m "realloc-odd")) string-encoding=utf16))
  (func $units8-end (param "s" string) (result u32)
    (canon lift (core func $m "units") (memory $mem) (realloc (core func $m "realloc-end"))))

  (instance $t
    (export "utf8-at" (func $get8))
    (export "utf16-at" (func $get16))
    (export "echo8" (func $echo8))
    (export "units8" (func $units8))
    (export "bytes8" (func $bytes8))
    (export "echo16" (func $echo16))
    (export "units16" (func $units16))
    (export "bytes16" (func $bytes16))
    (export "units16-odd-realloc" (func $units16-odd))
    (export "units8-realloc-at-end" (func $units8-end))
  )
  (export "t" (instance $t))
)
