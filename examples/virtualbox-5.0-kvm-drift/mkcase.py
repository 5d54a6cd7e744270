import struct, re
src = 'test/fixtures/vbox/v5.0.6-win-intel-none-bayons.log'  # run from the repo root
dst = 'examples/virtualbox-5.0-kvm-drift/VBox.log'
raw = open(src, 'rb').read()
assert b'\r\n' not in raw
lines = raw.decode('utf-8').split('\n')
CLAIM = 3478274491
ORIG = 2194915308
def grp(n): s = str(n); return ' '.join([s[max(0, i-3):i] for i in range(len(s), 0, -3)][::-1])
changes = []
def sub(no, old, new):
    l = lines[no-1]
    assert old in l, (no, old, l)
    lines[no-1] = l.replace(old, new, 1)
    changes.append((no, l, lines[no-1]))
# 1 guest OS type
sub(20, "'Other_64'", "'Linux26_64'")
# 2 CFGM GIM provider
sub(464, '"None" (cb=5)', '"KVM" (cb=4)')
# 3 GIP global rate = VirtualBox's (wrong) measurement
sub(523, f'u64CpuHz={grp(ORIG)} (0x82d3bfec)  SUPGetCpuHzFromGip => {grp(ORIG)}', f'u64CpuHz={grp(CLAIM)} ({CLAIM:#x})  SUPGetCpuHzFromGip => {grp(CLAIM)}')
# 4 per-CPU GIP rates scaled by the same factor (keeps the original few-ppm spread)
for no in range(524, 528):
    m = re.search(r'u64CpuHz=(\d+)\(\*\)', lines[no-1])
    v = int(m.group(1)); nv = round(v * CLAIM / ORIG)
    sub(no, f'u64CpuHz={v}(*)', f'u64CpuHz={nv}(*)')
# 5 the claim
sub(528, f'cTSCTicksPerSecond={grp(ORIG)} (0x82d3bfec) enmTSCMode=3 (Dynamic)', f'cTSCTicksPerSecond={grp(CLAIM)} ({CLAIM:#x}) enmTSCMode=3 (Dynamic)')
# 6 GIM provider
sub(531, "Using provider 'None'", "Using provider 'KVM'")
# 7 switching allowed (5.0 pads %RTbool true to 5 chars)
sub(578, 'fTSCModeSwitchAllowed=false', 'fTSCModeSwitchAllowed=true ')
# 8 brand string rows (guest and host) and the decoded Full Name
brand = 'Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz'
b = brand.encode('ascii').ljust(48, b'\0')
regs = struct.unpack('<12I', b)
for i, leaf in enumerate((0x80000002, 0x80000003, 0x80000004)):
    r = ' '.join(f'{x:08x}' for x in regs[4*i:4*i+4])
    gno = 917 + 2*i
    for no in (gno, gno + 1):
        old = lines[no-1][-35:]
        assert re.fullmatch(r'[0-9a-f]{8}( [0-9a-f]{8}){3}', old), old
        sub(no, old, r)
sub(985, '"Intel(R) Core(TM) i5-5200U CPU @ 2.20GHz"', f'"{brand}"')
# 9 added: guest enables kvm-clock → GIM writes the system-time struct → TM switches to RealTscOffset
f_scaled = CLAIM // 2   # GIMKvm.cpp halves while > 2e9 → shift -1
scale = (10**9 << 32) // f_scaled
t_ns = 24_612_740_000
tsc = t_ns * CLAIM // 10**9
added = [
    f'00:00:24.612740 GIM: KVM: VCPU  0: Enabled system-time struct. at 0x0000000001ffa000 - u32TscScale={scale:#x} i8TscShift=-1 uVersion=2 fFlags=0x1 uTsc={tsc:#x} uVirtNanoTS={t_ns:#x}',
    "00:00:24.612771 TM: Switching TSC mode from 'Dynamic' to 'RealTscOffset'",
]
at = next(i for i, l in enumerate(lines) if l.startswith('00:00:24.965473'))
lines[at:at] = added
open(dst, 'wb').write('\n'.join(lines).encode('utf-8'))
for no, old, new in changes: print(f'{no}\n- {old}\n+ {new}')
print('ADDED before original line', at + 1)
for a in added: print('+ ' + a)
print('scale', hex(scale))
