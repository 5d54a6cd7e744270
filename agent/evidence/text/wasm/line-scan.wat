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
  (memory (export "memory") 86)

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

  ;; The kernel-log settle (see `$kernelLine`): its state for this call, set by `settleState` before
  ;; `screen` — −1 closed, 0/1 the boot has (not) yet printed a stamp of one second or more, 2 unknown
  ;; (a line waits in the parser, so the state is not known until it is flushed) — and what it did:
  ;; lines settled per shape, the last one settled, and whether it stopped for a flush.
  (global $settle (mut i32) (i32.const -1))
  (global $settledDmesg (mut i32) (i32.const 0))
  (global $settledSyslog (mut i32) (i32.const 0))
  (global $settledJournal (mut i32) (i32.const 0))
  ;; Syslog lines of other programs (shape 4), settled only while $daemons is 1 (settleState's second argument).
  (global $settledDaemon (mut i32) (i32.const 0))
  (global $daemons (mut i32) (i32.const 0))
  (global $settleLastStart (mut i32) (i32.const -1))
  (global $settleLastEnd (mut i32) (i32.const 0))
  (global $settleLastOrd (mut i32) (i32.const 0))
  (global $needFlush (mut i32) (i32.const 0))
  ;; The shapes in the order first settled, base 8 (shape 1–4 digits; 0 none): the parser keeps
  ;; its shape counts in the order it met them (the most common decides `format`, the first a tie).
  (global $settleOrder (mut i32) (i32.const 0))
  ;; What `$kernelLine` found: the shape (1 `[ts] `, 2 syslog `… kernel: `, 3 journal `[ts] kernel: `,
  ;; 4 syslog of another program) and the stamp (0 none or
  ;; below one second but not zero, 1 exactly zero, 2 one second or more).
  (global $kShape (mut i32) (i32.const 0))
  (global $kStamp (mut i32) (i32.const 0))

  (func (export "settleState") (param $s i32) (param $daemons i32)
    (global.set $settle (local.get $s))
    (global.set $daemons (local.get $daemons)))
  (func (export "settledDaemon") (result i32) (global.get $settledDaemon))
  (func (export "settledDmesg") (result i32) (global.get $settledDmesg))
  (func (export "settledSyslog") (result i32) (global.get $settledSyslog))
  (func (export "settleLastStart") (result i32) (global.get $settleLastStart))
  (func (export "settleLastEnd") (result i32) (global.get $settleLastEnd))
  (func (export "settleLastOrd") (result i32) (global.get $settleLastOrd))
  (func (export "needFlush") (result i32) (global.get $needFlush))
  (func (export "settleOrder") (result i32) (global.get $settleOrder))
  (func (export "settledJournal") (result i32) (global.get $settledJournal))

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

  ;; ───────────── the kernel-log settle ─────────────
  ;;
  ;; Why: in a big kernel log most lines carry a kernel-log prefix and none of the literals the
  ;; kernel log's rules (or the other kinds that read such lines) need, and all such a line does is
  ;; count (its shape, a recognised line). JavaScript spends ~2 µs a line finding that out; here it
  ;; costs a walk over the line's bytes. `$kernelLine` says whether a line is one that may be settled
  ;; so; the JavaScript side (text/lines.ts, text/router.ts, kernel-log/parser.ts `settle`) says when
  ;; settling is open and what state the boot tracker is in, and counts what was settled. Exactness is
  ;; proven against the JavaScript path on every fixture and mixtures (test/parsers/kernel-settle.test.ts).
  ;; Only the shapes that make up big logs are settled, read exactly as kernel-log/prefix.ts
  ;; `splitPrefixBytes` reads them: `[ sss.uuuuuu] msg`, `Mmm dd HH:MM:SS [host] kernel: [stamp] msg`
  ;; and journalctl's `[ sss.uuuuuu] [host] kernel: msg`.
  ;; Every other line, and every line those readings would be unsure of, is handed over.

  ;; Where the literal tables are (line-scan.ts writes them): a bitmap of the byte pairs that anchor a
  ;; literal, a u16 per pair giving its list's offset in the pool, and the pool of lists, each a run of
  ;; records `len anchor bytes…` ended by a zero byte.
  (global $bits (mut i32) (i32.const 0))
  (global $head (mut i32) (i32.const 0))
  (global $pool (mut i32) (i32.const 0))
  (func (export "settleTables") (param $bits i32) (param $head i32) (param $pool i32)
    (global.set $bits (local.get $bits))
    (global.set $head (local.get $head))
    (global.set $pool (local.get $pool)))

  ;; What prefix.ts calls isAsciiSpace: tab to carriage return, and space.
  (func $ws (param $b i32) (result i32)
    (i32.or (i32.eq (local.get $b) (i32.const 32))
            (i32.lt_u (i32.sub (local.get $b) (i32.const 9)) (i32.const 5))))
  (func $digit (param $b i32) (result i32)
    (i32.lt_u (i32.sub (local.get $b) (i32.const 48)) (i32.const 10)))

  ;; The first offset at or after $i (before $e) whose byte is not a blank.
  (func $skipWs (param $i i32) (param $e i32) (result i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $e)))
        (br_if $out (i32.eqz (call $ws (i32.load8_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))

  ;; After the word at $i (a run of non-blanks) and the blanks after it.
  (func $afterWord (param $i i32) (param $e i32) (result i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $e)))
        (br_if $out (call $ws (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (call $skipWs (local.get $i) (local.get $e)))

  ;; Does `kernel:` start at $p (the tag prefix.ts tagAt reads as the kernel's)?
  (func $kernelAt (param $p i32) (param $e i32) (result i32)
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 7)) (local.get $e)) (then (return (i32.const 0))))
    (i32.and (i32.eq (i32.load (local.get $p)) (i32.const 0x6e72656b)) ;; "kern"
             (i32.and (i32.eq (i32.load16_u offset=4 (local.get $p)) (i32.const 0x6c65)) ;; "el"
                      (i32.eq (i32.load8_u offset=6 (local.get $p)) (i32.const 58)))))

  ;; The end of the digit run at $i, or −1 past 15 digits (prefix.ts digitsEnd is unsure there);
  ;; $nonzero says whether any digit was not 0.
  (global $nonzero (mut i32) (i32.const 0))
  (func $digits (param $i i32) (param $e i32) (result i32)
    (local $j i32) (local $b i32)
    (global.set $nonzero (i32.const 0))
    (local.set $j (local.get $i))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $j) (local.get $e)))
        (local.set $b (i32.load8_u (local.get $j)))
        (br_if $out (i32.eqz (call $digit (local.get $b))))
        (if (i32.ne (local.get $b) (i32.const 48)) (then (global.set $nonzero (i32.const 1))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l)))
    (if (result i32) (i32.gt_u (i32.sub (local.get $j) (local.get $i)) (i32.const 15))
      (then (i32.const -1)) (else (local.get $j))))

  ;; `[ sss.uuuuuu]` and the blank after it at $i (a `[` there), as prefix.ts stampAt reads it: the
  ;; offset after it, or −1 where stampAt is unsure or it is no stamp. Sets $kStamp.
  (func $stamp (param $i i32) (param $e i32) (result i32)
    (local $w i32) (local $d i32) (local $f i32) (local $whole i32)
    (local.set $w (call $skipWs (i32.add (local.get $i) (i32.const 1)) (local.get $e)))
    (if (i32.ge_u (local.get $w) (local.get $e)) (then (return (i32.const -1))))
    (if (i32.eqz (call $digit (i32.load8_u (local.get $w)))) (then (return (i32.const -1))))
    (local.set $d (call $digits (local.get $w) (local.get $e)))
    (local.set $whole (global.get $nonzero))
    (if (i32.lt_s (local.get $d) (i32.const 0)) (then (return (i32.const -1))))
    (if (i32.ge_u (local.get $d) (local.get $e)) (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u (local.get $d)) (i32.const 46)) (then (return (i32.const -1))))
    (local.set $f (call $digits (i32.add (local.get $d) (i32.const 1)) (local.get $e)))
    (if (i32.lt_s (local.get $f) (i32.const 0)) (then (return (i32.const -1))))
    (if (i32.eq (local.get $f) (i32.add (local.get $d) (i32.const 1))) (then (return (i32.const -1))))
    (if (i32.ge_u (local.get $f) (local.get $e)) (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u (local.get $f)) (i32.const 93)) (then (return (i32.const -1))))
    ;; 2: one second or more; 1: exactly zero; 0: in between.
    (global.set $kStamp (select (i32.const 2) (i32.eqz (global.get $nonzero)) (local.get $whole)))
    (local.set $f (i32.add (local.get $f) (i32.const 1)))
    (if (i32.lt_u (local.get $f) (local.get $e))
      (then (if (call $ws (i32.load8_u (local.get $f))) (then (local.set $f (i32.add (local.get $f) (i32.const 1)))))))
    (local.get $f))

  ;; `Mmm dd HH:MM:SS host kernel: ` at $s, in the plain form prefix.ts syslogBsdAt is sure of: the
  ;; offset after the tag and its blank, or −1 (another tag, another form, or unsure).
  (func $syslogKernel (param $s i32) (param $e i32) (result i32)
    (local $q i32) (local $b i32) (local $w i32)
    (if (i32.lt_u (i32.sub (local.get $e) (local.get $s)) (i32.const 16)) (then (return (i32.const -1))))
    (if (i32.gt_u (i32.sub (i32.load8_u offset=1 (local.get $s)) (i32.const 97)) (i32.const 25)) (then (return (i32.const -1))))
    (if (i32.gt_u (i32.sub (i32.load8_u offset=2 (local.get $s)) (i32.const 97)) (i32.const 25)) (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u offset=3 (local.get $s)) (i32.const 32)) (then (return (i32.const -1))))
    (local.set $q (i32.add (local.get $s) (i32.const 4)))
    ;; The day: `dd `, ` d ` or `d `.
    (block $day
      (if (i32.and (i32.and (call $digit (i32.load8_u (local.get $q))) (call $digit (i32.load8_u offset=1 (local.get $q))))
                   (i32.eq (i32.load8_u offset=2 (local.get $q)) (i32.const 32)))
        (then (local.set $q (i32.add (local.get $q) (i32.const 2))) (br $day)))
      (if (i32.and (i32.and (i32.eq (i32.load8_u (local.get $q)) (i32.const 32)) (call $digit (i32.load8_u offset=1 (local.get $q))))
                   (i32.eq (i32.load8_u offset=2 (local.get $q)) (i32.const 32)))
        (then (local.set $q (i32.add (local.get $q) (i32.const 2))) (br $day)))
      (if (i32.and (call $digit (i32.load8_u (local.get $q))) (i32.eq (i32.load8_u offset=1 (local.get $q)) (i32.const 32)))
        (then (local.set $q (i32.add (local.get $q) (i32.const 1))) (br $day)))
      (return (i32.const -1)))
    ;; ` HH:MM:SS`
    (if (i32.eqz (i32.and
          (i32.and (i32.and (i32.eq (i32.load8_u (local.get $q)) (i32.const 32)) (call $digit (i32.load8_u offset=1 (local.get $q))))
                   (i32.and (call $digit (i32.load8_u offset=2 (local.get $q))) (i32.eq (i32.load8_u offset=3 (local.get $q)) (i32.const 58))))
          (i32.and (i32.and (call $digit (i32.load8_u offset=4 (local.get $q))) (call $digit (i32.load8_u offset=5 (local.get $q))))
                   (i32.and (i32.eq (i32.load8_u offset=6 (local.get $q)) (i32.const 58))
                            (i32.and (call $digit (i32.load8_u offset=7 (local.get $q))) (call $digit (i32.load8_u offset=8 (local.get $q))))))))
      (then (return (i32.const -1))))
    (local.set $q (i32.add (local.get $q) (i32.const 9)))
    (if (i32.ge_u (local.get $q) (local.get $e)) (then (return (i32.const -1))))
    (local.set $b (i32.load8_u (local.get $q)))
    ;; A fraction, a year or a zone after the clock: the regex's optional groups decide those.
    (if (i32.eq (local.get $b) (i32.const 46)) (then (return (i32.const -1))))
    (if (i32.eq (local.get $b) (i32.const 32))
      (then (if (i32.or (call $digit (i32.load8_u offset=1 (local.get $q)))
                        (i32.lt_u (i32.sub (i32.load8_u offset=1 (local.get $q)) (i32.const 65)) (i32.const 26)))
              (then (return (i32.const -1))))))
    (if (i32.eqz (call $ws (local.get $b))) (then (return (i32.const -1))))
    (local.set $w (call $skipWs (local.get $q) (local.get $e)))
    (if (i32.ge_u (local.get $w) (local.get $e)) (then (return (i32.const -1))))
    ;; No host: the tag right after the clock.
    (global.set $kShape (i32.const 2))
    (if (call $kernelAt (local.get $w) (local.get $e)) (then (return (call $afterKernelTag (local.get $w) (local.get $e)))))
    (local.set $q (call $otherTag (local.get $w) (local.get $e)))
    (if (i32.ge_s (local.get $q) (i32.const 0)) (then (return (local.get $q))))
    ;; The host: a word with no `:`, `[` or `]` (tagAt could read such a word as the tag itself).
    (local.set $q (local.get $w))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $q) (local.get $e)))
        (local.set $b (i32.load8_u (local.get $q)))
        (br_if $out (call $ws (local.get $b)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 58)) (i32.or (i32.eq (local.get $b) (i32.const 91)) (i32.eq (local.get $b) (i32.const 93))))
          (then (return (i32.const -1))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $l)))
    (if (i32.ge_u (local.get $q) (local.get $e)) (then (return (i32.const -1))))
    (local.set $q (call $skipWs (local.get $q) (local.get $e)))
    (if (call $kernelAt (local.get $q) (local.get $e)) (then (return (call $afterKernelTag (local.get $q) (local.get $e)))))
    (call $otherTag (local.get $q) (local.get $e)))

  ;; Another program's tag at $t, `prog:` or `prog[pid]:` as prefix.ts tagAt reads it (no blank, `:`,
  ;; `[` or `]` in the name): the offset after it and its blank, $kShape 4; −1 when it is none. Only a
  ;; two-digit (or blank-padded) day is taken, so the clock ends 15 bytes in and vmware's legacy
  ;; `Mmm dd HH:MM:SS: ` / `.fff: ` stamp is never among these lines.
  (func $otherTag (param $t i32) (param $e i32) (result i32)
    (local $j i32) (local $b i32) (local $d i32)
    (local.set $j (local.get $t))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $j) (local.get $e)))
        (local.set $b (i32.load8_u (local.get $j)))
        (br_if $out (i32.or (call $ws (local.get $b))
                            (i32.or (i32.eq (local.get $b) (i32.const 58)) (i32.or (i32.eq (local.get $b) (i32.const 91)) (i32.eq (local.get $b) (i32.const 93))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l)))
    (if (i32.or (i32.eq (local.get $j) (local.get $t)) (i32.ge_u (local.get $j) (local.get $e))) (then (return (i32.const -1))))
    (local.set $b (i32.load8_u (local.get $j)))
    (if (i32.eq (local.get $b) (i32.const 91))
      (then
        (local.set $d (i32.add (local.get $j) (i32.const 1)))
        (local.set $j (local.get $d))
        (block $digits
          (loop $l2
            (br_if $digits (i32.ge_u (local.get $j) (local.get $e)))
            (br_if $digits (i32.eqz (call $digit (i32.load8_u (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $l2)))
        (if (i32.eq (local.get $j) (local.get $d)) (then (return (i32.const -1))))
        (if (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $e)) (then (return (i32.const -1))))
        (if (i32.ne (i32.load8_u (local.get $j)) (i32.const 93)) (then (return (i32.const -1))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $b (i32.load8_u (local.get $j)))))
    (if (i32.ne (local.get $b) (i32.const 58)) (then (return (i32.const -1))))
    (global.set $kShape (i32.const 4))
    (local.set $j (i32.add (local.get $j) (i32.const 1)))
    (if (i32.lt_u (local.get $j) (local.get $e))
      (then (if (call $ws (i32.load8_u (local.get $j))) (then (local.set $j (i32.add (local.get $j) (i32.const 1)))))))
    (local.get $j))

  ;; Does [ls, e) hold `[`, blanks, digits, `.`, digits, `]` anywhere (prefix.ts holdsStamp: such a
  ;; syslog line of another program is still a kernel line)?
  (func $holdsStamp (param $ls i32) (param $e i32) (result i32)
    (local $i i32) (local $j i32) (local $k i32)
    (local.set $i (local.get $ls))
    (block $no
      (loop $l
        (br_if $no (i32.ge_u (local.get $i) (local.get $e)))
        (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 91))
          (then
            (local.set $j (call $skipWs (i32.add (local.get $i) (i32.const 1)) (local.get $e)))
            (local.set $k (local.get $j))
            (block $d1 (loop $l1
              (br_if $d1 (i32.ge_u (local.get $k) (local.get $e)))
              (br_if $d1 (i32.eqz (call $digit (i32.load8_u (local.get $k)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $l1)))
            (if (i32.and (i32.gt_u (local.get $k) (local.get $j)) (i32.lt_u (local.get $k) (local.get $e)))
              (then (if (i32.eq (i32.load8_u (local.get $k)) (i32.const 46))
                (then
                  (local.set $j (i32.add (local.get $k) (i32.const 1)))
                  (local.set $k (local.get $j))
                  (block $d2 (loop $l2
                    (br_if $d2 (i32.ge_u (local.get $k) (local.get $e)))
                    (br_if $d2 (i32.eqz (call $digit (i32.load8_u (local.get $k)))))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br $l2)))
                  (if (i32.and (i32.gt_u (local.get $k) (local.get $j)) (i32.lt_u (local.get $k) (local.get $e)))
                    (then (if (i32.eq (i32.load8_u (local.get $k)) (i32.const 93)) (then (return (i32.const 1))))))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.const 0))

  ;; Do the line's last three fields hold only digits, `.` and `-`, with a digit each (a superset of
  ;; the ntp kind's mayBePeerRow: an `ntpq -p` row ends in delay, offset and jitter)?
  (func $numericTail (param $ls i32) (param $e i32) (result i32)
    (local $i i32) (local $fields i32) (local $digits i32) (local $b i32)
    (local.set $i (local.get $e))
    (block $yes
      (loop $field
        (br_if $yes (i32.eq (local.get $fields) (i32.const 3)))
        (block $b0 (loop $l0
          (br_if $b0 (i32.le_u (local.get $i) (local.get $ls)))
          (br_if $b0 (i32.eqz (call $ws (i32.load8_u (i32.sub (local.get $i) (i32.const 1))))))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (br $l0)))
        (if (i32.le_u (local.get $i) (local.get $ls)) (then (return (i32.const 0))))
        (local.set $digits (i32.const 0))
        (block $b1 (loop $l1
          (br_if $b1 (i32.le_u (local.get $i) (local.get $ls)))
          (local.set $b (i32.load8_u (i32.sub (local.get $i) (i32.const 1))))
          (br_if $b1 (call $ws (local.get $b)))
          (if (call $digit (local.get $b))
            (then (local.set $digits (i32.add (local.get $digits) (i32.const 1))))
            (else (if (i32.and (i32.ne (local.get $b) (i32.const 46)) (i32.ne (local.get $b) (i32.const 45))) (then (return (i32.const 0))))))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (br $l1)))
        (if (i32.eqz (local.get $digits)) (then (return (i32.const 0))))
        (local.set $fields (i32.add (local.get $fields) (i32.const 1)))
        (br $field)))
    (i32.const 1))

  ;; Must the line be decoded? Yes when it holds a byte past ASCII (prefix.ts is unsure where a
  ;; Unicode blank may stand), a backslash (a markdown escape the string path removes) or one of the
  ;; literals: every byte pair that anchors one is in the bitmap, and its list is verified there.
  (func $gate (param $ls i32) (param $e i32) (result i32)
    (local $i i32) (local $prev i32) (local $b i32) (local $pair i32) (local $r i32) (local $len i32) (local $s i32) (local $k i32)
    (local.set $i (local.get $ls))
    (block $none
      (loop $l
        (br_if $none (i32.ge_u (local.get $i) (local.get $e)))
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.or (i32.ge_u (local.get $b) (i32.const 128)) (i32.eq (local.get $b) (i32.const 92))) (then (return (i32.const 1))))
        (local.set $pair (i32.or (i32.shl (local.get $prev) (i32.const 8)) (local.get $b)))
        (if (i32.and (i32.gt_u (local.get $i) (local.get $ls))
                     (i32.and (i32.shr_u (i32.load8_u (i32.add (global.get $bits) (i32.shr_u (local.get $pair) (i32.const 3))))
                                         (i32.and (local.get $pair) (i32.const 7)))
                              (i32.const 1)))
          (then
            (local.set $r (i32.add (global.get $pool) (i32.load16_u (i32.add (global.get $head) (i32.shl (local.get $pair) (i32.const 1))))))
            (block $list
              (loop $rec
                (local.set $len (i32.load8_u (local.get $r)))
                (br_if $list (i32.eqz (local.get $len)))
                (local.set $s (i32.sub (i32.sub (local.get $i) (i32.const 1)) (i32.load8_u offset=1 (local.get $r))))
                (if (i32.and (i32.ge_s (local.get $s) (local.get $ls)) (i32.le_s (i32.add (local.get $s) (local.get $len)) (local.get $e)))
                  (then
                    (local.set $k (i32.const 0))
                    (block $differ
                      (loop $cmp
                        (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $s) (local.get $k)))
                                               (i32.load8_u offset=2 (i32.add (local.get $r) (local.get $k)))))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br_if $cmp (i32.lt_u (local.get $k) (local.get $len)))
                        (return (i32.const 1))))))
                (local.set $r (i32.add (local.get $r) (i32.add (local.get $len) (i32.const 2))))
                (br $rec)))))
        (local.set $prev (local.get $b))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.const 0))

  ;; text/prompt.ts mayBePrompt on a line that starts with `[` or a capital and holds no backslash
  ;; and no byte past ASCII (so no leading blank, clock, PowerShell drive or Unicode sigil): a `$`,
  ;; `#` or `%` with a command after it, before a `>` or a fourth blank.
  (func $mayBePrompt (param $ls i32) (param $e i32) (result i32)
    (local $k i32) (local $lim i32) (local $b i32) (local $blanks i32)
    (local.set $lim (select (local.get $e) (i32.add (local.get $ls) (i32.const 256))
                            (i32.lt_u (local.get $e) (i32.add (local.get $ls) (i32.const 256)))))
    (local.set $k (local.get $ls))
    (block $no
      (loop $l
        (br_if $no (i32.ge_u (local.get $k) (local.get $lim)))
        (local.set $b (i32.load8_u (local.get $k)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 36)) (i32.or (i32.eq (local.get $b) (i32.const 35)) (i32.eq (local.get $b) (i32.const 37))))
          (then (return (i32.lt_u (call $skipWs (i32.add (local.get $k) (i32.const 1)) (local.get $e)) (local.get $e)))))
        (br_if $no (i32.eq (local.get $b) (i32.const 62)))
        (if (call $ws (local.get $b))
          (then
            (local.set $blanks (i32.add (local.get $blanks) (i32.const 1)))
            (br_if $no (i32.gt_u (local.get $blanks) (i32.const 3)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (i32.const 0))

  ;; Count one settled line of `shape`, noting the order shapes are first met in.
  (func $countShape (param $shape i32)
    (local $n i32)
    (block $counted
      (if (i32.eq (local.get $shape) (i32.const 1))
        (then
          (local.set $n (global.get $settledDmesg))
          (global.set $settledDmesg (i32.add (local.get $n) (i32.const 1)))
          (br $counted)))
      (if (i32.eq (local.get $shape) (i32.const 2))
        (then
          (local.set $n (global.get $settledSyslog))
          (global.set $settledSyslog (i32.add (local.get $n) (i32.const 1)))
          (br $counted)))
      (if (i32.eq (local.get $shape) (i32.const 3))
        (then
          (local.set $n (global.get $settledJournal))
          (global.set $settledJournal (i32.add (local.get $n) (i32.const 1)))
          (br $counted)))
      (local.set $n (global.get $settledDaemon))
      (global.set $settledDaemon (i32.add (local.get $n) (i32.const 1))))
    (if (i32.eqz (local.get $n))
      (then (global.set $settleOrder (i32.or (i32.shl (global.get $settleOrder) (i32.const 3)) (local.get $shape))))))

  ;; After `kernel:` at $p and the blank after it.
  (func $afterKernelTag (param $p i32) (param $e i32) (result i32)
    (local.set $p (i32.add (local.get $p) (i32.const 7)))
    (if (i32.lt_u (local.get $p) (local.get $e))
      (then (if (call $ws (i32.load8_u (local.get $p))) (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))))
    (local.get $p))

  ;; Is [p, q) a word and its blanks with no `:`, `[` or `]` in the word (so prefix.ts tagAt reads no tag in it)?
  (func $plainWord (param $p i32) (param $q i32) (result i32)
    (local $b i32)
    (if (i32.ge_u (local.get $p) (local.get $q)) (then (return (i32.const 0))))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $p) (local.get $q)))
        (local.set $b (i32.load8_u (local.get $p)))
        (br_if $out (call $ws (local.get $b)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 58)) (i32.or (i32.eq (local.get $b) (i32.const 91)) (i32.eq (local.get $b) (i32.const 93))))
          (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (i32.const 1))

  ;; May a caller id (`[`, blanks, `T` or `C`, a digit) start at $p? A superset of prefix.ts callerAt.
  (func $callerAt (param $p i32) (param $e i32) (result i32)
    (local $w i32) (local $b i32)
    (if (i32.ge_u (local.get $p) (local.get $e)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 91)) (then (return (i32.const 0))))
    (local.set $w (call $skipWs (i32.add (local.get $p) (i32.const 1)) (local.get $e)))
    (if (i32.ge_u (local.get $w) (local.get $e)) (then (return (i32.const 0))))
    (local.set $b (i32.load8_u (local.get $w)))
    (i32.and (i32.or (i32.eq (local.get $b) (i32.const 84)) (i32.eq (local.get $b) (i32.const 67)))
             (call $digit (i32.load8_u offset=1 (local.get $w)))))

  ;; May the line [ls, e) (its `\r` excluded) be settled? 1 when it has one of the two shapes, holds
  ;; no literal, is no prompt, and its message does not start with a `.` (timer_list's `.field` rows,
  ;; dumped into the kernel log by SysRq-Q); $kShape and $kStamp then say what it is.
  (func $kernelLine (param $ls i32) (param $e i32) (result i32)
    (local $c i32) (local $p i32) (local $m i32)
    (if (i32.lt_u (i32.sub (local.get $e) (local.get $ls)) (i32.const 2)) (then (return (i32.const 0))))
    (local.set $c (i32.load8_u (local.get $ls)))
    (global.set $kStamp (i32.const 0))
    (if (i32.eq (local.get $c) (i32.const 91))
      (then
        (local.set $p (call $stamp (local.get $ls) (local.get $e)))
        (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const 0))))
        (global.set $kShape (i32.const 1))
        ;; A caller id after the stamp (`[T123] `, `[C2]`): prefix.ts callerAt reads it, not settled here.
        (if (call $callerAt (local.get $p) (local.get $e)) (then (return (i32.const 0))))
        ;; `[ts] kernel: ` or `[ts] host kernel: ` is journalctl's short-monotonic shape; a word
        ;; before `kernel:` that tagAt might read as a tag of its own is not settled here.
        (if (call $kernelAt (local.get $p) (local.get $e))
          (then (global.set $kShape (i32.const 3)) (local.set $p (call $afterKernelTag (local.get $p) (local.get $e))))
          (else
            (local.set $m (call $afterWord (local.get $p) (local.get $e)))
            (if (call $kernelAt (local.get $m) (local.get $e))
              (then
                (if (i32.eqz (call $plainWord (local.get $p) (local.get $m))) (then (return (i32.const 0))))
                (global.set $kShape (i32.const 3))
                (local.set $p (call $afterKernelTag (local.get $m) (local.get $e)))))))
        (local.set $m (local.get $p)))
      (else
        (if (i32.gt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 25)) (then (return (i32.const 0))))
        (local.set $p (call $syslogKernel (local.get $ls) (local.get $e)))
        (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const 0))))
        (if (i32.eq (global.get $kShape) (i32.const 4))
          (then
            ;; Another program's line: offered to every kind, so settled only while every kind is quiet
            ;; on such lines; one holding a kernel stamp is the kernel's, one whose message starts with
            ;; `[` is the string path's (prefix.ts stampAt is unsure), one ending in three numbers may
            ;; be an ntpq row.
            (if (i32.eqz (global.get $daemons)) (then (return (i32.const 0))))
            (if (i32.ne (i32.load8_u offset=4 (local.get $ls)) (i32.const 32))
              (then (if (i32.ne (i32.load8_u offset=6 (local.get $ls)) (i32.const 32)) (then (return (i32.const 0))))))
            (if (call $holdsStamp (local.get $ls) (local.get $e)) (then (return (i32.const 0))))
            (if (call $numericTail (local.get $ls) (local.get $e)) (then (return (i32.const 0))))
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 91)) (then (return (i32.const 0))))))))
        (if (i32.lt_u (local.get $p) (local.get $e))
          (then (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 91))
            (then
              (local.set $p (call $stamp (local.get $p) (local.get $e)))
              (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const 0))))
              (if (call $callerAt (local.get $p) (local.get $e)) (then (return (i32.const 0))))))))
        ;; timer-list reads a line without a `[`/`<` first byte from its start.
        (local.set $m (local.get $ls))))
    (if (call $gate (local.get $ls) (local.get $e)) (then (return (i32.const 0))))
    (if (call $mayBePrompt (local.get $ls) (local.get $e)) (then (return (i32.const 0))))
    (local.set $m (call $skipWs (local.get $m) (local.get $e)))
    (if (i32.lt_u (local.get $m) (local.get $e))
      (then (if (i32.eq (i32.load8_u (local.get $m)) (i32.const 46)) (then (return (i32.const 0))))))
    (i32.const 1))

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
    (local $c i32) (local $ke i32) (local $act i32)
    (global.set $settledDmesg (i32.const 0))
    (global.set $settledSyslog (i32.const 0))
    (global.set $settleLastStart (i32.const -1))
    (global.set $needFlush (i32.const 0))
    (global.set $settleOrder (i32.const 0))
    (global.set $settledJournal (i32.const 0))
    (global.set $settledDaemon (i32.const 0))
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
            ;; The kernel-log settle, while JavaScript has it open: $act 1 settles the line, 2 hands it over.
            (local.set $act (i32.const 0))
            (if (i32.ge_s (global.get $settle) (i32.const 0))
              (then
                (local.set $c (i32.load8_u (local.get $ls)))
                (if (i32.and (i32.or (i32.eq (local.get $c) (i32.const 91)) (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26)))
                             (i32.le_u (i32.sub (local.get $e) (local.get $ls)) (i32.const 65536)))
                  (then
                    (local.set $ke (local.get $e))
                    (if (i32.gt_u (local.get $ke) (local.get $ls))
                      (then (if (i32.eq (i32.load8_u (i32.sub (local.get $ke) (i32.const 1))) (i32.const 13))
                        (then (local.set $ke (i32.sub (local.get $ke) (i32.const 1)))))))
                    (if (call $kernelLine (local.get $ls) (local.get $ke))
                      (then
                        ;; Once a line is handed over, JavaScript must read it before anything more is
                        ;; settled (it may change the state settling depends on): stop before this one.
                        (if (local.get $n) (then (local.set $ord (i32.sub (local.get $ord) (i32.const 1))) (br $done)))
                        (local.set $act (i32.const 1))
                        (if (global.get $kStamp)
                          (then
                            ;; A stamp of zero or ≥ 1 s moves the boot tracker, which must be known.
                            (if (i32.eq (global.get $settle) (i32.const 2))
                              (then
                                (global.set $needFlush (i32.const 1))
                                (local.set $ord (i32.sub (local.get $ord) (i32.const 1)))
                                (br $done)))
                            ;; A zero stamp once one of ≥ 1 s was seen starts a boot; the first ≥ 1 s stamp arms
                            ;; the tracker: both are JavaScript's to read (kStamp + state = 2 in exactly those cases).
                            (if (i32.eq (i32.add (global.get $kStamp) (global.get $settle)) (i32.const 2))
                              (then (local.set $act (i32.const 2))))))))))))
            (block $next
              (if (i32.eq (local.get $act) (i32.const 1))
                (then
                  (call $countShape (global.get $kShape))
                  (global.set $settleLastStart (local.get $ls))
                  (global.set $settleLastEnd (local.get $ke))
                  (global.set $settleLastOrd (local.get $ord))
                  (br $next)))
              (block $skip
                (block $keep
                  (br_if $keep (i32.eq (local.get $act) (i32.const 2)))
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
