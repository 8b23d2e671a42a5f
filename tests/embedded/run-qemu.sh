#!/usr/bin/env bash
# Runs each firmware in QEMU (mps2-an505, Cortex-M33) and checks its UART
# transcript, the LED register read back after each toggle, the echo of
# bytes fed through the serial input, its exit status, and the blinky's
# flash and RAM against the budget (64 KiB, 16 KiB).
#   run-qemu.sh FIRMWARE_DIR
set -uo pipefail
dir=$1
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# The board, with -icount sleep=off letting virtual time jump over delays.
qemu() { # ELF_NAME
  timeout 60 qemu-system-arm -M mps2-an505 -nographic -semihosting \
    -icount shift=0,sleep=off -kernel "$dir/$1.elf"
}

# run NAME INPUT -> transcript in $out, status in $status.
run() {
  out=$(qemu "$1" < "$2" | tr -d '\r')
  status=${PIPESTATUS[0]}
}

expect() { # description, expected, actual
  if [ "$2" == "$3" ]; then ok "$1"; else bad "$1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}

blink_log=""
for i in 1 2 3; do
  blink_log+=$'GPIO25 On  [led register 0x1]\nGPIO25 Off [led register 0x0]\n'
done
blink_log+=$'GPIO25 On  [led register 0x1]'

for fw in blinky blinky-rs; do
  run "$fw" /dev/null
  expect "$fw: exit status" 0 "$status"
  expect "$fw: banner" "weft $fw on mps2-an505" "$(sed -n 1p <<<"$out")"
  expect "$fw: GPIO log and LED register" "$blink_log" "$(grep '^GPIO' <<<"$out")"
  expect "$fw: stops after its budget" "weft: budget of 6 host calls used up, stopping" \
    "$(tail -n 1 <<<"$out")"
  flash=$(sed -n 's/^weft: flash \([0-9]*\) bytes.*/\1/p' <<<"$out")
  ram=$(sed -n 's/.*; ram \([0-9]*\) bytes.*/\1/p' <<<"$out")
  if [ -n "$flash" ] && [ "$flash" -le 65536 ]; then ok "$fw: flash $flash <= 65536"; else bad "$fw: flash '$flash' over 64 KiB"; fi
  if [ -n "$ram" ] && [ "$ram" -le 16384 ]; then ok "$fw: RAM $ram <= 16384"; else bad "$fw: RAM '$ram' over 16 KiB"; fi
done

# blinky with no budget but 10 units of fuel: each turn of its loop costs
# 5 (four calls and the backward branch), so two turns, then out of fuel.
run blinky-fuel /dev/null
expect "blinky-fuel: exit status" 0 "$status"
expect "blinky-fuel: GPIO log" \
  $'GPIO25 On  [led register 0x1]\nGPIO25 Off [led register 0x0]\nGPIO25 On  [led register 0x1]\nGPIO25 Off [led register 0x0]' \
  "$(grep '^GPIO' <<<"$out")"
expect "blinky-fuel: stops when out of fuel" "weft: fuel of 10 used up, stopping" "$(tail -n 1 <<<"$out")"

# button-led: QEMU's buttons read as released, so each poll drives the LED
# low; 20 polls, then the budget.
run button-led /dev/null
expect "button-led: exit status" 0 "$status"
want=""
for i in $(seq 20); do want+=$'GPIO25 Off [led register 0x0]\n'; done
want+=$'GPIO25 Off [led register 0x0]'
expect "button-led: polls drive the LED" "$want" "$(grep '^GPIO' <<<"$out")"
expect "button-led: stops after its budget" "weft: budget of 20 host calls used up, stopping" \
  "$(tail -n 1 <<<"$out")"

# uart-echo: 16 bytes in (the budget), echoed with BS/DEL and CR/LF handled.
# The input goes in once the banner shows the UART is up (bytes arriving
# before the receiver is enabled are dropped, as on the board).
tmp=$(mktemp -d)
mkfifo "$tmp/in"
exec 3<>"$tmp/in"
qemu uart-echo < "$tmp/in" > "$tmp/out" &
qemu=$!
for _ in $(seq 300); do
  grep -q 'on mps2-an505' "$tmp/out" 2>/dev/null && break
  sleep 0.1
done
printf 'hi\bx\x7f!\rok\nabcdefgh' >&3
wait $qemu
status=$?
exec 3>&-
raw=$(od -An -c < "$tmp/out" | tr -s ' \n' ' ')
rm -rf "$tmp"
expect "uart-echo: exit status" 0 "$status"
want=$(printf 'on mps2-an505\r\nhi\b \bx\b \b!\r\nok\r\nabcdef\r\nweft:' | od -An -c | tr -s ' \n' ' ')
if [[ "$raw" == *"$want"* ]]; then ok "uart-echo: echo of the serial input"; else
  bad "uart-echo: echo of the serial input"; echo "  expected to contain: $want"; echo "  actual: $raw"; fi

exit $fail
