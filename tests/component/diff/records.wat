;; Records and tuples: field layout and alignment in memory, flattened
;; parameters, more than 16 flat parameters (passed through memory), and
;; return pointers that are misaligned or out of bounds.
;;
;; record mixed: a u8 @0, b u64 @8, c u16 @16, d f32 @20, e bool @24,
;; f char @28, g s8 @32, h s16 @34, i s32 @36, j s64 @40, k f64 @48,
;; l u32 @56; size 64, alignment 8.
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
    (func (export "at") (param i32) (result i32) (local.get 0))
    ;; stores the flattened record at 256 in the layout above
    (func (export "echo-mixed")
      (param $a i32) (param $b i64) (param $c i32) (param $d f32) (param $e i32) (param $f i32)
      (param $g i32) (param $h i32) (param $i i32) (param $j i64) (param $k f64) (param $l i32)
      (result i32)
      (i32.store8 (i32.const 256) (local.get $a))
      (i64.store (i32.const 264) (local.get $b))
      (i32.store16 (i32.const 272) (local.get $c))
      (f32.store (i32.const 276) (local.get $d))
      (i32.store8 (i32.const 280) (local.get $e))
      (i32.store (i32.const 284) (local.get $f))
      (i32.store8 (i32.const 288) (local.get $g))
      (i32.store16 (i32.const 290) (local.get $h))
      (i32.store (i32.const 292) (local.get $i))
      (i64.store (i32.const 296) (local.get $j))
      (f64.store (i32.const 304) (local.get $k))
      (i32.store (i32.const 312) (local.get $l))
      (i32.const 256))
    ;; swaps the two fields of a point
    (func (export "swap") (param i32 i32) (result i32)
      (i32.store (i32.const 320) (local.get 1))
      (i32.store (i32.const 324) (local.get 0))
      (i32.const 320))
    ;; 17 flat parameters arrive as a pointer to a tuple of 40 bytes: return those bytes
    (func (export "spread") (param $p i32) (result i32)
      (i32.store (i32.const 328) (local.get $p))
      (i32.store (i32.const 332) (i32.const 40))
      (i32.const 328))

    ;; mixed at 1024
    (data (i32.const 1024) "\ff")                        ;; a 255
    (data (i32.const 1032) "\ff\ff\ff\ff\ff\ff\ff\ff")   ;; b 2^64-1
    (data (i32.const 1040) "\ff\ff")                     ;; c 65535
    (data (i32.const 1044) "\00\00\c0\bf")               ;; d -1.5
    (data (i32.const 1048) "\01")                        ;; e true
    (data (i32.const 1052) "\03\26\00\00")               ;; f U+2603
    (data (i32.const 1056) "\80")                        ;; g -128
    (data (i32.const 1058) "\00\80")                     ;; h -32768
    (data (i32.const 1060) "\00\00\00\80")               ;; i -2^31
    (data (i32.const 1064) "\00\00\00\00\00\00\00\80")   ;; j -2^63
    (data (i32.const 1072) "\01\00\00\00\00\00\f0\7f")   ;; k a signalling NaN
    (data (i32.const 1080) "\ff\ff\ff\ff")               ;; l 2^32-1
    ;; mixed at 1088
    (data (i32.const 1088) "\01")                        ;; a 1
    (data (i32.const 1096) "\01")                        ;; b 1
    (data (i32.const 1104) "\01")                        ;; c 1
    (data (i32.const 1108) "\00\00\80\3f")               ;; d 1.0
    (data (i32.const 1112) "\02")                        ;; e: the byte 2
    (data (i32.const 1116) "\41")                        ;; f 'A'
    (data (i32.const 1120) "\7f")                        ;; g 127
    (data (i32.const 1122) "\ff\7f")                     ;; h 32767
    (data (i32.const 1124) "\ff\ff\ff\7f")               ;; i 2^31-1
    (data (i32.const 1128) "\ff\ff\ff\ff\ff\ff\ff\7f")   ;; j 2^63-1
    (data (i32.const 1136) "\00\00\00\00\00\00\00\80")   ;; k -0
    ;; mixed at 1152 with f = U+D800, at 1216 with f = 0x110000, otherwise zero
    (data (i32.const 1180) "\00\d8\00\00")
    (data (i32.const 1244) "\00\00\11\00")
    ;; tuple<u8, s64, string> at 1280: u8 @0, s64 @8, string @16; size 24, alignment 8
    (data (i32.const 1280) "\07")
    (data (i32.const 1288) "\fb\ff\ff\ff\ff\ff\ff\ff")  ;; -5
    (data (i32.const 1296) "\78\05\00\00\03\00\00\00")  ;; (1400, 3)
    (data (i32.const 1400) "xyz")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))

  (type $mixed (record
    (field "a" u8) (field "b" u64) (field "c" u16) (field "d" f32) (field "e" bool) (field "f" char)
    (field "g" s8) (field "h" s16) (field "i" s32) (field "j" s64) (field "k" f64) (field "l" u32)))
  (type $point (record (field "x" s32) (field "y" s32)))
  ;; one flat value: returned directly, not through memory
  (type $wrap (record (field "v" u8)))

  (func $mixed-at (param "at" u32) (result $mixed) (canon lift (core func $m "at") (memory $mem)))
  (func $wrap-from (param "x" u32) (result $wrap) (canon lift (core func $m "at")))
  (func $triple-at (param "at" u32) (result (tuple u8 s64 string)) (canon lift (core func $m "at") (memory $mem)))
  (func $echo-mixed (param "x" $mixed) (result $mixed) (canon lift (core func $m "echo-mixed") (memory $mem)))
  (func $swap (param "p" $point) (result $point) (canon lift (core func $m "swap") (memory $mem)))
  (func $spread
    (param "a" u8) (param "b" u64) (param "c" u8) (param "d" u16) (param "e" u32) (param "f" u8)
    (param "g" u8) (param "h" u8) (param "i" u8) (param "j" u8) (param "k" u8) (param "l" u8)
    (param "m" u8) (param "n" u8) (param "o" u8) (param "p" u8) (param "q" u8)
    (result (list u8))
    (canon lift (core func $m "spread") (memory $mem) (realloc (core func $m "realloc"))))

  (instance $t
    (export "mixed" (type $mixed))
    (export "point" (type $point))
    (export "wrap" (type $wrap))
    (export "mixed-at" (func $mixed-at))
    (export "wrap-from" (func $wrap-from))
    (export "triple-at" (func $triple-at))
    (export "echo-mixed" (func $echo-mixed))
    (export "swap" (func $swap))
    (export "spread" (func $spread))
  )
  (export "t" (instance $t))
)
