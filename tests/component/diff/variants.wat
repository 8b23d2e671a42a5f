;; Variants, enums, options and results: discriminants (one byte, two bytes
;; past 256 cases), payload alignment, the joined flat slots of variant
;; parameters, and bad discriminants.
;;
;; variant v { a(f32), b(u64), c(string), d }: discriminant u8 @0, payload @8;
;; size 16. Flattened: i32 discriminant, i64 (f32, u64 and the string
;; pointer joined), i32.
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
    ;; the three flat values of a v, as tuple<u32, u64, u32> at 512
    (func (export "v-slots") (param i32 i64 i32) (result i32)
      (i32.store (i32.const 512) (local.get 0))
      (i64.store (i32.const 520) (local.get 1))
      (i32.store (i32.const 528) (local.get 2))
      (i32.const 512))
    ;; two flat i32 values as tuple<u32, u32> at 544
    (func (export "slots2") (param i32 i32) (result i32)
      (i32.store (i32.const 544) (local.get 0))
      (i32.store (i32.const 548) (local.get 1))
      (i32.const 544))

    ;; v
    (data (i32.const 1024) "\00") (data (i32.const 1032) "\00\00\c0\3f")      ;; a(1.5)
    (data (i32.const 1040) "\01") (data (i32.const 1048) "\ff\ff\ff\ff\ff\ff\ff\ff") ;; b(2^64-1)
    (data (i32.const 1056) "\02") (data (i32.const 1064) "\78\05\00\00\02\00\00\00") ;; c("ok")
    (data (i32.const 1072) "\03")                                             ;; d
    (data (i32.const 1088) "\04")                                             ;; discriminant 4 of 4 cases
    (data (i32.const 1104) "\01\ff\ff\ff\ff\ff\ff\ff") (data (i32.const 1112) "\05") ;; b(5), padding bytes set
    (data (i32.const 1120) "\00") (data (i32.const 1128) "\00\00\a0\7f")      ;; a(NaN with a payload)
    (data (i32.const 1136) "\02") (data (i32.const 1144) "\7c\05\00\00\01\00\00\00") ;; c(invalid UTF-8)
    ;; option<u32>: discriminant @0, payload @4
    (data (i32.const 1152) "\01\00\00\00\07\00\00\00")                        ;; some(7)
    (data (i32.const 1160) "\00\00\00\00\ff\ff\ff\ff")                        ;; none (payload bytes set)
    (data (i32.const 1168) "\02\00\00\00\07\00\00\00")                        ;; discriminant 2
    ;; option<option<u8>>: discriminant @0, inner discriminant @1, payload @2
    (data (i32.const 1176) "\01\01\09")                                       ;; some(some(9))
    (data (i32.const 1180) "\01\00\00")                                       ;; some(none)
    (data (i32.const 1184) "\00\05\05")                                       ;; none
    (data (i32.const 1188) "\01\02\00")                                       ;; inner discriminant 2
    ;; result<string, u32>: discriminant @0, payload @4
    (data (i32.const 1200) "\00\00\00\00\78\05\00\00\02\00\00\00")            ;; ok("ok")
    (data (i32.const 1212) "\01\00\00\00\94\01\00\00")                        ;; err(404)
    (data (i32.const 1224) "\02\00\00\00\00\00\00\00")                        ;; discriminant 2
    ;; list<color>
    (data (i32.const 1240) "\e0\04\00\00\03\00\00\00") (data (i32.const 1248) "\00\01\02")
    (data (i32.const 1256) "\f0\04\00\00\01\00\00\00") (data (i32.const 1264) "\03")
    ;; big (257 cases): discriminant u16 @0, payload @2
    (data (i32.const 1272) "\00\01\2a")                                       ;; c256(42)
    (data (i32.const 1276) "\ff\00")                                          ;; c255
    (data (i32.const 1280) "\01\01")                                          ;; discriminant 257
    (data (i32.const 1400) "ok")
    (data (i32.const 1404) "\ff")
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))

  (type $color (enum "red" "green" "blue"))
  (type $v (variant (case "a" f32) (case "b" u64) (case "c" string) (case "d")))
  (type $big (variant
    (case "c0") (case "c1") (case "c2") (case "c3") (case "c4") (case "c5") (case "c6") (case "c7")
    (case "c8") (case "c9") (case "c10") (case "c11") (case "c12") (case "c13") (case "c14") (case "c15")
    (case "c16") (case "c17") (case "c18") (case "c19") (case "c20") (case "c21") (case "c22") (case "c23")
    (case "c24") (case "c25") (case "c26") (case "c27") (case "c28") (case "c29") (case "c30") (case "c31")
    (case "c32") (case "c33") (case "c34") (case "c35") (case "c36") (case "c37") (case "c38") (case "c39")
    (case "c40") (case "c41") (case "c42") (case "c43") (case "c44") (case "c45") (case "c46") (case "c47")
    (case "c48") (case "c49") (case "c50") (case "c51") (case "c52") (case "c53") (case "c54") (case "c55")
    (case "c56") (case "c57") (case "c58") (case "c59") (case "c60") (case "c61") (case "c62") (case "c63")
    (case "c64") (case "c65") (case "c66") (case "c67") (case "c68") (case "c69") (case "c70") (case "c71")
    (case "c72") (case "c73") (case "c74") (case "c75") (case "c76") (case "c77") (case "c78") (case "c79")
    (case "c80") (case "c81") (case "c82") (case "c83") (case "c84") (case "c85") (case "c86") (case "c87")
    (case "c88") (case "c89") (case "c90") (case "c91") (case "c92") (case "c93") (case "c94") (case "c95")
    (case "c96") (case "c97") (case "c98") (case "c99") (case "c100") (case "c101") (case "c102") (case "c103")
    (case "c104") (case "c105") (case "c106") (case "c107") (case "c108") (case "c109") (case "c110") (case "c111")
    (case "c112") (case "c113") (case "c114") (case "c115") (case "c116") (case "c117") (case "c118") (case "c119")
    (case "c120") (case "c121") (case "c122") (case "c123") (case "c124") (case "c125") (case "c126") (case "c127")
    (case "c128") (case "c129") (case "c130") (case "c131") (case "c132") (case "c133") (case "c134") (case "c135")
    (case "c136") (case "c137") (case "c138") (case "c139") (case "c140") (case "c141") (case "c142") (case "c143")
    (case "c144") (case "c145") (case "c146") (case "c147") (case "c148") (case "c149") (case "c150") (case "c151")
    (case "c152") (case "c153") (case "c154") (case "c155") (case "c156") (case "c157") (case "c158") (case "c159")
    (case "c160") (case "c161") (case "c162") (case "c163") (case "c164") (case "c165") (case "c166") (case "c167")
    (case "c168") (case "c169") (case "c170") (case "c171") (case "c172") (case "c173") (case "c174") (case "c175")
    (case "c176") (case "c177") (case "c178") (case "c179") (case "c180") (case "c181") (case "c182") (case "c183")
    (case "c184") (case "c185") (case "c186") (case "c187") (case "c188") (case "c189") (case "c190") (case "c191")
    (case "c192") (case "c193") (case "c194") (case "c195") (case "c196") (case "c197") (case "c198") (case "c199")
    (case "c200") (case "c201") (case "c202") (case "c203") (case "c204") (case "c205") (case "c206") (case "c207")
    (case "c208") (case "c209") (case "c210") (case "c211") (case "c212") (case "c213") (case "c214") (case "c215")
    (case "c216") (case "c217") (case "c218") (case "c219") (case "c220") (case "c221") (case "c222") (case "c223")
    (case "c224") (case "c225") (case "c226") (case "c227") (case "c228") (case "c229") (case "c230") (case "c231")
    (case "c232") (case "c233") (case "c234") (case "c235") (case "c236") (case "c237") (case "c238") (case "c239")
    (case "c240") (case "c241") (case "c242") (case "c243") (case "c244") (case "c245") (case "c246") (case "c247")
    (case "c248") (case "c249") (case "c250") (case "c251") (case "c252") (case "c253") (case "c254") (case "c255")
    (case "c256" u8)))

  (func $color-from (param "x" u32) (result $color) (canon lift (core func $m "id")))
  (func $colors-at (param "at" u32) (result (list $color)) (canon lift (core func $m "id") (memory $mem)))
  (func $v-at (param "at" u32) (result $v) (canon lift (core func $m "id") (memory $mem)))
  (func $v-slots (param "x" $v) (result (tuple u32 u64 u32))
    (canon lift (core func $m "v-slots") (memory $mem) (realloc $realloc)))
  (func $opt-at (param "at" u32) (result (option u32)) (canon lift (core func $m "id") (memory $mem)))
  (func $optopt-at (param "at" u32) (result (option (option u8))) (canon lift (core func $m "id") (memory $mem)))
  (func $res-at (param "at" u32) (result (result string (error u32))) (canon lift (core func $m "id") (memory $mem)))
  (func $unit-from (param "x" u32) (result (result)) (canon lift (core func $m "id")))
  (func $big-at (param "at" u32) (result $big) (canon lift (core func $m "id") (memory $mem)))
  (func $opt-slots (param "x" (option u32)) (result (tuple u32 u32)) (canon lift (core func $m "slots2") (memory $mem)))
  (func $res-f32-slots (param "x" (result f32 (error u32))) (result (tuple u32 u32)) (canon lift (core func $m "slots2") (memory $mem)))
  (func $res-s8-slots (param "x" (result u8 (error s8))) (result (tuple u32 u32)) (canon lift (core func $m "slots2") (memory $mem)))

  (instance $t
    (export "color" (type $color))
    (export "v" (type $v))
    (export "big" (type $big))
    (export "color-from" (func $color-from))
    (export "colors-at" (func $colors-at))
    (export "v-at" (func $v-at))
    (export "v-slots" (func $v-slots))
    (export "opt-at" (func $opt-at))
    (export "optopt-at" (func $optopt-at))
    (export "res-at" (func $res-at))
    (export "unit-from" (func $unit-from))
    (export "big-at" (func $big-at))
    (export "opt-slots" (func $opt-slots))
    (export "res-f32-slots" (func $res-f32-slots))
    (export "res-s8-slots" (func $res-s8-slots))
  )
  (export "t" (instance $t))
)
