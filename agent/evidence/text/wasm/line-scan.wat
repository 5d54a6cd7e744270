;; Line scanning in WebAssembly: the inner loop of reading a big log (agent/parsers/line-scan.ts).
;;
;; Why: a 270 MB VBox.log has 4 million lines, and calling Buffer.indexOf plus a JavaScript
;; pre-filter once per line costs ~55 ns a line, most of the time analyze takes (issue 2 allows 1.5×
;; the time of `grep -c`). Here the newline search is 16 bytes at a time (SIMD) and the first look at
;; a line costs a few instructions, so JavaScript only sees the lines that may matter.
;;
;; Build: scripts/build-wasm.mjs turns this file into line-scan.ts (base64); a test checks that the
;; committed bytes are this source's. Memory layout is set by line-scan.ts (see its constants).

(module
  (memory (export "memory") 80)

  ;; Where the last call stopped: `newlines`, the 16-byte step it did not take; `screen`, the start
  ;; of the first line it did not hand over or skip (the next call starts there).
  (global $resume (mut i32) (i32.const 0))
  ;; Where the last `screen` call's 16-byte walk stopped: within 16 bytes of `end` when it got there.
  (global $scanned (mut i32) (i32.const 0))
  ;; How many lines the last call consumed (handed over + skipped).
  (global $lines (mut i32) (i32.const 0))
  ;; The last line `screen` skipped after its last survivor: start and end (start −1: none).
  (global $skipStart (mut i32) (i32.const -1))
  (global $skipEnd (mut i32) (i32.const 0))

  (func (export "resume") (result i32) (global.get $resume))
  (func (export "scanned") (result i32) (global.get $scanned))
  (func (export "lines") (result i32) (global.get $lines))
  (func (export "skipStart") (result i32) (global.get $skipStart))
  (func (export "skipEnd") (result i32) (global.get $skipEnd))

  ;; newlines(p, end, out, max): the offsets of the '\n' bytes in [p, end) go to out (i32 each).
  ;; Stops at a 16-byte boundary once fewer than 16 slots are left (resume() says where), and
  ;; before a tail shorter than 16 bytes, which the caller scans itself. Returns the count.
  (func (export "newlines") (param $p i32) (param $end i32) (param $out i32) (param $max i32) (result i32)
    (local $n i32) (local $mask i32) (local $nl v128) (local $lim i32)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $lim (i32.sub (local.get $max) (i32.const 16)))
    (block $done
      (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (br_if $done (i32.gt_s (local.get $n) (local.get $lim)))
        (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $nl))))
        (block $bits
          (loop $bit
            (br_if $bits (i32.eqz (local.get $mask)))
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
                       (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $bit)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (global.set $resume (local.get $p))
    (local.get $n))

  ;; screen(p, end, out, max, prefixes, count): walk the lines ending in [p, end); skip those that
  ;; cannot matter (see below) and write five i32 per other line to out: start, end (the '\n'),
  ;; its ordinal in this call (1-based), and the start and end of the last line skipped just before
  ;; it (start −1: none), whose elapsed time the caller's filter would have noted. Stops like
  ;; `newlines`; lines() and resume() tell how far it got, skipStart()/skipEnd() the last skip since
  ;; the last line handed over, scanned() where the walk stopped. Returns how many lines were handed over.
  (func (export "screen") (param $p i32) (param $end i32) (param $out i32) (param $max i32)
                          (param $prefixes i32) (param $count i32) (result i32)
    (local $n i32) (local $mask i32) (local $nl v128) (local $lim i32) (local $ls i32) (local $e i32)
    (local $ord i32) (local $o i32) (local $ss i32) (local $se i32)
    (local $len i32) (local $v v128) (local $digits i32) (local $spaces i32) (local $m i32)
    (local $left i32) (local $word i32) (local $words v128) (local $q i32) (local $qend i32)
    (local.set $qend (i32.add (local.get $prefixes) (i32.shl (local.get $count) (i32.const 5))))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $lim (i32.sub (local.get $max) (i32.const 16)))
    (local.set $ls (local.get $p))
    (local.set $ss (i32.const -1))
    (block $done
      (loop $vec
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (br_if $done (i32.gt_s (local.get $n) (local.get $lim)))
        (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $nl))))
        (block $bits
          (loop $bit
            (br_if $bits (i32.eqz (local.get $mask)))
            (local.set $e (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (local.set $ord (i32.add (local.get $ord) (i32.const 1)))
            (block $next
              (block $skip
                (block $keep
                  ;; May the line [ls, e) matter? It may not (skip) only in this case: the VBox.log
                  ;; elapsed-time shape `HH:MM:SS.fff ` or `HH:MM:SS.ffffff ` at its very start, at
                  ;; most 64 KiB long, and a message whose first four bytes start with none of the
                  ;; prefixes: `count` groups of four i32 masks then four i32 values (little-endian,
                  ;; so a 2-byte prefix has mask 0xffff; an unused lane has mask 0, value 1).
                  ;; Inlined: a call per line costs a tenth of the scan.
                  (local.set $len (i32.sub (local.get $e) (local.get $ls)))
                  (br_if $keep (i32.lt_u (local.get $len) (i32.const 13)))
                  (br_if $keep (i32.gt_u (local.get $len) (i32.const 65536)))
                  ;; Sixteen bytes at once; lanes past the line's end are never looked at below.
                  (local.set $v (v128.load (local.get $ls)))
                  (local.set $digits (i8x16.bitmask (i8x16.le_u (i8x16.sub (local.get $v) (i8x16.splat (i32.const 48)))
                                                                (i8x16.splat (i32.const 9)))))
                  ;; Digits at 0,1 3,4 6,7 9,10,11 (0x0edb); ':' at 2 and 5; '.' at 8.
                  (br_if $keep (i32.ne (i32.and (local.get $digits) (i32.const 0x0edb)) (i32.const 0x0edb)))
                  (br_if $keep (i32.ne (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 58))))
                                                (i32.const 0x24)) (i32.const 0x24)))
                  (br_if $keep (i32.ne (i32.load8_u offset=8 (local.get $ls)) (i32.const 46)))
                  (local.set $spaces (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 32)))))
                  (if (i32.and (local.get $spaces) (i32.const 0x1000))
                    (then (local.set $m (i32.add (local.get $ls) (i32.const 13))))
                    (else
                      ;; Microseconds: digits at 12..14, a space at 15, the line long enough to hold them.
                      (br_if $keep (i32.lt_u (local.get $len) (i32.const 16)))
                      (br_if $keep (i32.ne (i32.and (local.get $digits) (i32.const 0x7000)) (i32.const 0x7000)))
                      (br_if $keep (i32.eqz (i32.and (local.get $spaces) (i32.const 0x8000))))
                      (local.set $m (i32.add (local.get $ls) (i32.const 16)))))
                  ;; The message's first four bytes; bytes past the line's end count as zero.
                  (local.set $left (i32.sub (local.get $e) (local.get $m)))
                  (local.set $word (i32.load (local.get $m)))
                  (if (i32.lt_u (local.get $left) (i32.const 4))
                    (then (local.set $word (i32.and (local.get $word)
                            (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $left) (i32.const 3))) (i32.const 1))))))
                  ;; Four prefixes a step: 16 bytes of masks, then 16 bytes of values.
                  (local.set $words (i32x4.splat (local.get $word)))
                  (local.set $q (local.get $prefixes))
                  (loop $each
                    (br_if $skip (i32.ge_u (local.get $q) (local.get $qend)))
                    (br_if $keep (v128.any_true (i32x4.eq (v128.and (local.get $words) (v128.load (local.get $q)))
                                                          (v128.load offset=16 (local.get $q)))))
                    (local.set $q (i32.add (local.get $q) (i32.const 32)))
                    (br $each)))
                ;; keep: hand the line over, with the last line skipped before it
                (local.set $o (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 20))))
                (i32.store (local.get $o) (local.get $ls))
                (i32.store offset=4 (local.get $o) (local.get $e))
                (i32.store offset=8 (local.get $o) (local.get $ord))
                (i32.store offset=12 (local.get $o) (local.get $ss))
                (i32.store offset=16 (local.get $o) (local.get $se))
                (local.set $ss (i32.const -1))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br $next))
              ;; skip
              (local.set $ss (local.get $ls))
              (local.set $se (local.get $e)))
            (local.set $ls (i32.add (local.get $e) (i32.const 1)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $bit)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (global.set $resume (local.get $ls))
    (global.set $scanned (local.get $p))
    (global.set $lines (local.get $ord))
    (global.set $skipStart (local.get $ss))
    (global.set $skipEnd (local.get $se))
    (local.get $n)))
