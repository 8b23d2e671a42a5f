;; Strings with string-encoding=latin1+utf16: a length with bit 31 set means
;; UTF-16 code units, otherwise Latin-1 bytes; the pointer is 2-aligned in
;; both cases. Same shape as strings.wat.
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

    (func (export "at") (param i32) (result i32) (local.get 0))
    (func $pair (param $p i32) (param $n i32) (result i32)
      (i32.store (i32.const 0) (local.get $p))
      (i32.store (i32.const 4) (local.get $n))
      (i32.const 0))
    (func (export "echo") (param i32 i32) (result i32) (call $pair (local.get 0) (local.get 1)))
    (func (export "units") (param i32 i32) (result i32) (local.get 1))
    ;; the bytes of the string: 2 * units when tagged, else units
    (func (export "bytes") (param i32 i32) (result i32)
      (if (result i32) (i32.lt_s (local.get 1) (i32.const 0))
        (then (call $pair (local.get 0) (i32.shl (i32.and (local.get 1) (i32.const 0x7fffffff)) (i32.const 1))))
        (else (call $pair (local.get 0) (local.get 1)))))

    ;; (ptr, len) pairs
    (data (i32.const 16) "\00\04\00\00" "\0a\00\00\00")   ;; 16: latin1 "café naïve"
    (data (i32.const 24) "\40\04\00\00" "\06\00\00\80")   ;; 24: utf16 "☃ 😀 ö"
    (data (i32.const 32) "\80\04\00\00" "\02\00\00\80")   ;; 32: utf16 d800 'A' (lone surrogate)
    (data (i32.const 40) "\01\04\00\00" "\03\00\00\00")   ;; 40: latin1 at an odd address
    (data (i32.const 48) "\01\04\00\00" "\00\00\00\00")   ;; 48: empty latin1 at an odd address
    (data (i32.const 56) "\fe\ff\00\00" "\02\00\00\00")   ;; 56: latin1 at 65534, 2 bytes: fits
    (data (i32.const 64) "\fe\ff\00\00" "\02\00\00\80")   ;; 64: utf16 at 65534, 2 units: past the end
    (data (i32.const 72) "\00\04\00\00" "\00\00\00\80")   ;; 72: utf16, 0 units

    (data (i32.const 1024) "\63\61\66\e9\20\6e\61\ef\76\65")
    (data (i32.const 1088) "\03\26\20\00\3d\d8\00\de\20\00\f6\00")
    (data (i32.const 1152) "\00\d8\41\00")
    (data (i32.const 65534) "\e0\ff")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))

  (func $get (param "at" u32) (result string)
    (canon lift (core func $m "at") (memory $mem) string-encoding=latin1+utf16))
  (func $echo (param "s" string) (result string)
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc) string-encoding=latin1+utf16))
  (func $units (param "s" string) (result u32)
    (canon lift (core func $m "units") (memory $mem) (realloc $realloc) string-encoding=latin1+utf16))
  (func $bytes (param "s" string) (result (list u8))
    (canon lift (core func $m "bytes") (memory $mem) (realloc $realloc) string-encoding=latin1+utf16))

  (instance $t
    (export "latin1-at" (func $get))
    (export "echo" (func $echo))
    (export "units" (func $units))
    (export "bytes" (func $bytes))
  )
  (export "t" (instance $t))
)
