package pglocal

import "testing"

func TestSharedBuffersMB(t *testing.T) {
	const gib = int64(1) << 30
	for _, tc := range []struct {
		memTotal int64
		want     int64
	}{
		{0, 256},               // unknown
		{gib / 2, 256},         // a quarter is below the floor
		{2 * gib, 512},         // a quarter
		{3*gib + 512<<20, 896}, // a quarter of 3.5 GiB
		{4 * gib, 1024},        // a quarter, at the ceiling
		{24 * gib, 1024},       // the ceiling
	} {
		if got := sharedBuffersMB(tc.memTotal); got != tc.want {
			t.Errorf("sharedBuffersMB(%d MiB) = %d MB, want %d", tc.memTotal>>20, got, tc.want)
		}
	}
}

func TestMemTotalBytes(t *testing.T) {
	// Linux always has /proc/meminfo; less than 64 MiB of RAM would be a parse error.
	if got := memTotalBytes(); got < 64<<20 {
		t.Fatalf("memTotalBytes() = %d, want the machine's RAM", got)
	}
}
