// Package browsertest starts headless Chromium for tests that drive the console in a real
// browser (with chromedp). Without Chromium such a test skips, naming scripts/test.sh, which
// installs it where it can; under CI=true a missing browser fails the test instead.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium: $CHROMIUM, else chromium (Debian's) or chromium-browser on PATH. It
// skips t, or fails it under CI=true, when there is none.
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "needs Chromium (none on PATH, CHROMIUM unset): run scripts/test.sh, which installs it where it can, or sudo apt-get install chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; under CI=true a missing browser is a failure, not a skip")
	}
	t.Skip(msg)
	return ""
}

// Browser is a headless Chromium with a fresh profile, closed when the test ends.
type Browser struct {
	ctx context.Context
}

// Start starts Chromium for t, with a window of width×height.
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	path := Path(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// The first tab starts the browser (with no deadline: one would stop the browser).
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// Tab opens a tab in a browser context of its own (its own cookies), closed when the test
// ends; its actions fail after timeout.
func (b *Browser) Tab(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(tcancel)
	return tctx
}
