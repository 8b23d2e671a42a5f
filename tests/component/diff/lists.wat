;; Lists: of u8, s8, u32, u64, bool, char, f32, f64, strings, tuples, lists,
;; and of records holding lists of variants. The *-at functions return their argument as the address of a
;; (ptr, len) pair below; echo-* receive a list written by the host through
;; realloc and return it unchanged.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 8192))
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
    (func (export "realloc-odd") (param i32 i32 i32 i32) (result i32) (i32.const 8194))
    (func (export "realloc-end") (param i32 i32 i32 i32) (result i32) (i32.const 65534))
    (func (export "at") (param i32) (result i32) (local.get 0))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "len") (param i32 i32) (result i32) (local.get 1))
    (func (export "sum") (param $p i32) (param $n i32) (result i32)
      (local $s i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $s))

    ;; (ptr, len) pairs
    (data (i32.const 16) "\00\04\00\00\05\00\00\00")  ;; bytes [0, 1, 127, 128, 255]
    (data (i32.const 24) "\10\04\00\00\04\00\00\00")  ;; words ["a", "ß", "☃", ""]
    (data (i32.const 32) "\80\04\00\00\03\00\00\00")  ;; u32s [0, 4294967295, 7]
    (data (i32.const 40) "\90\04\00\00\03\00\00\00")  ;; nested [[1, 2], [], [65535]]
    (data (i32.const 48) "\00\05\00\00\02\00\00\00")  ;; items at 1280
    (data (i32.const 56) "\fa\ff\00\00\0a\00\00\00")  ;; list<u8> at 65530, 10 elements: past the end
    (data (i32.const 64) "\fc\ff\00\00\02\00\00\00")  ;; list<u32> at 65532, 2 elements: past the end
    (data (i32.const 72) "\82\04\00\00\01\00\00\00")  ;; list<u32> at 1154: misaligned
    (data (i32.const 80) "\00\00\01\00\00\00\00\00")  ;; empty list at 65536 (the end)
    (data (i32.const 88) "\00\00\00\00\00\00\00\02")  ;; list<u64> of 2^25 elements (2^28 bytes)
    (data (i32.const 96) "\a0\05\00\00\01\00\00\00")  ;; items at 1440: a bad shape discriminant
    (data (i32.const 104) "\c8\05\00\00\02\00\00\00") ;; words at 1480: second string past the end
    (data (i32.const 112) "\01\04\00\00\02\00\00\00") ;; list<u8> at 1025 (odd is fine): [1, 127]
    (data (i32.const 120) "\02\05\00\00\01\00\00\00") ;; items at 1282: misaligned
    (data (i32.const 128) "\e0\05\00\00\01\00\00\00") ;; nested at 1504: inner list<u16> at 1201
    (data (i32.const 136) "\00\00\01\00\01\00\00\00") ;; list<u8> at 65536, 1 element: past the end
    (data (i32.const 144) "\00\06\00\00\03\00\00\00") ;; list<char> at 1536: ['a', U+1F600, U+E000]
    (data (i32.const 152) "\0c\06\00\00\01\00\00\00") ;; list<char> at 1548: [U+DFFF]
    (data (i32.const 160) "\18\06\00\00\03\00\00\00") ;; list<bool> at 1560: bytes 0, 1, 2
    (data (i32.const 168) "\1c\06\00\00\03\00\00\00") ;; list<s8> at 1564: bytes 80, ff, 7f
    (data (i32.const 176) "\20\06\00\00\03\00\00\00") ;; list<f32> at 1568: NaN with a payload, -0, inf

    (data (i32.const 1024) "\00\01\7f\80\ff")
    ;; string pairs: (1100, 1) (1104, 2) (1108, 3) (0, 0)
    (data (i32.const 1040) "\4c\04\00\00\01\00\00\00\50\04\00\00\02\00\00\00\54\04\00\00\03\00\00\00\00\00\00\00\00\00\00\00")
    (data (i32.const 1100) "a")
    (data (i32.const 1104) "ß")
    (data (i32.const 1108) "☃")
    (data (i32.const 1152) "\00\00\00\00\ff\ff\ff\ff\07\00\00\00")
    ;; list<u16> pairs: (1200, 2) (0, 0) (1204, 1)
    (data (i32.const 1168) "\b0\04\00\00\02\00\00\00\00\00\00\00\00\00\00\00\b4\04\00\00\01\00\00\00")
    (data (i32.const 1200) "\01\00\02\00\ff\ff")
    ;; item {id: u8, shapes: list<shape>}: 12 bytes; shape: u8 discriminant, payload at 4; 12 bytes
    ;; [{id: 1, shapes: (1320, 4)}, {id: 255, shapes: (0, 0)}]
    (data (i32.const 1280) "\01\00\00\00\28\05\00\00\04\00\00\00\ff\00\00\00\00\00\00\00\00\00\00\00")
    (data (i32.const 1320) "\00\00\00\00\00\00\c0\3f\00\00\00\00")  ;; circle(1.5)
    (data (i32.const 1332) "\01\00\00\00\03\00\04\00\00\00\00\00")  ;; rect((3, 4))
    (data (i32.const 1344) "\02\00\00\00\78\05\00\00\02\00\00\00")  ;; label("hi") (1400, 2)
    (data (i32.const 1356) "\03\00\00\00\00\00\00\00\00\00\00\00")  ;; empty
    (data (i32.const 1400) "hi")
    (data (i32.const 1440) "\02\00\00\00\b4\05\00\00\01\00\00\00")  ;; [{id: 2, shapes: (1460, 1)}]
    (data (i32.const 1460) "\04\00\00\00\00\00\00\00\00\00\00\00")  ;; discriminant 4 of 4 cases
    (data (i32.const 1480) "\4c\04\00\00\01\00\00\00\ff\ff\00\00\02\00\00\00")  ;; [(1100, 1), (65535, 2)]
    (data (i32.const 1504) "\b1\04\00\00\01\00\00\00")  ;; [(1201, 1)]
    (data (i32.const 1536) "\61\00\00\00\00\f6\01\00\00\e0\00\00")
    (data (i32.const 1548) "\ff\df\00\00")
    (data (i32.const 1560) "\00\01\02")
    (data (i32.const 1564) "\80\ff\7f")
    (data (i32.const 1568) "\00\00\a0\7f\00\00\00\80\00\00\80\7f")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))

  (type $shape (variant (case "circle" f32) (case "rect" (tuple u16 u16)) (case "label" string) (case "empty")))
  (type $item (record (field "id" u8) (field "shapes" (list $shape))))

  (func $bytes-at (param "at" u32) (result (list u8)) (canon lift (core func $m "at") (memory $mem)))
  (func $u32s-at (param "at" u32) (result (list u32)) (canon lift (core func $m "at") (memory $mem)))
  (func $u64s-at (param "at" u32) (result (list u64)) (canon lift (core func $m "at") (memory $mem)))
  (func $words-at (param "at" u32) (result (list string)) (canon lift (core func $m "at") (memory $mem)))
  (func $nested-at (param "at" u32) (result (list (list u16))) (canon lift (core func $m "at") (memory $mem)))
  (func $items-at (param "at" u32) (result (list $item)) (canon lift (core func $m "at") (memory $mem)))
  (func $chars-at (param "at" u32) (result (list char)) (canon lift (core func $m "at") (memory $mem)))
  (func $bools-at (param "at" u32) (result (list bool)) (canon lift (core func $m "at") (memory $mem)))
  (func $s8s-at (param "at" u32) (result (list s8)) (canon lift (core func $m "at") (memory $mem)))
  (func $f32s-at (param "at" u32) (result (list f32)) (canon lift (core func $m "at") (memory $mem)))

  (func $echo-bytes (param "xs" (list u8)) (result (list u8))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-words (param "xs" (list string)) (result (list string))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-nested (param "xs" (list (list u16))) (result (list (list u16)))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-items (param "xs" (list $item)) (result (list $item))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-chars (param "xs" (list char)) (result (list char))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-f64s (param "xs" (list f64)) (result (list f64))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $echo-pairs (param "xs" (list (tuple u8 string))) (result (list (tuple u8 string)))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func $items-len (param "xs" (list $item)) (result u32)
    (canon lift (core func $m "len") (memory $mem) (realloc $realloc)))
  (func $u32s-len-odd-realloc (param "xs" (list u32)) (result u32)
    (canon lift (core func $m "len") (memory $mem) (realloc (core func $m "realloc-odd"))))
  (func $bytes-len-realloc-at-end (param "xs" (list u8)) (result u32)
    (canon lift (core func $m "len") (memory $mem) (realloc (core func $m "realloc-end"))))
  (func $sum-bytes (param "xs" (list u8)) (result u32)
    (canon lift (core func $m "sum") (memory $mem) (realloc $realloc)))

  (instance $t
    (export "shape" (type $shape))
    (export "item" (type $item))
    (export "bytes-at" (func $bytes-at))
    (export "u32s-at" (func $u32s-at))
    (export "u64s-at" (func $u64s-at))
    (export "words-at" (func $words-at))
    (export "nested-at" (func $nested-at))
    (export "items-at" (func $items-at))
    (export "chars-at" (func $chars-at))
    (export "bools-at" (func $bools-at))
    (export "s8s-at" (func $s8s-at))
    (export "f32s-at" (func $f32s-at))
    (export "echo-bytes" (func $echo-bytes))
    (export "echo-words" (func $echo-words))
    (export "echo-nested" (func $echo-nested))
    (export "echo-items" (func $echo-items))
    (export "echo-chars" (func $echo-chars))
    (export "echo-f64s" (func $echo-f64s))
    (export "echo-pairs" (func $echo-pairs))
    (export "items-len" (func $items-len))
    (export "sum-bytes" (func $sum-bytes))
    (export "u32s-len-odd-realloc" (func $u32s-len-odd-realloc))
    (export "bytes-len-realloc-at-end" (func $bytes-len-realloc-at-end))
  )
  (export "t" (instance $t))
)
