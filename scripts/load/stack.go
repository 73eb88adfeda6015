package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stack is the local system as its own OS process (scripts/devserver), so that its peak
// memory can be read from /proc and it can be killed and started again on the same port and
// project, as a crashed instance would be replaced.
type stack struct {
	bin, config, project string
	port                 int
	env                  []string
	logFile              *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	peak int64 // highest VmHWM (KiB) of the processes killed so far
}

func (s *stack) baseURL() string { return fmt.Sprintf("http://127.0.0.1:%d", s.port) }

// start runs the devserver and waits until it answers HTTP.
func (s *stack) start(ctx context.Context) error {
	cmd := exec.Command(s.bin, "-port", strconv.Itoa(s.port), "-project", s.project, "-config", s.config)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdout, cmd.Stderr = s.logFile, s.logFile
	// Its own process group, so a Ctrl-C reaches only the driver, which stops it; and it dies
	// with the driver however the driver ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the functions exited while starting (%v); see %s", err, s.logFile.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(s.baseURL() + "/agent/me"); err == nil {
			resp.Body.Close()
			go func() { <-exited }()
			return nil
		}
	}
	return fmt.Errorf("the functions did not answer on %s within 2 minutes; see %s", s.baseURL(), s.logFile.Name())
}

// kill SIGKILLs the process, keeping its peak memory first.
func (s *stack) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("the functions are not running")
	}
	if kb, err := vmHWM(s.cmd.Process.Pid); err == nil {
		s.peak = max(s.peak, kb)
	}
	err := s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd = nil
	return err
}

// stop ends the process for good.
func (s *stack) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd = nil
	}
}

// peakRSS is the highest resident set of every run of the functions' process, in KiB.
func (s *stack) peakRSS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peak
	if s.cmd != nil && s.cmd.Process != nil {
		if kb, err := vmHWM(s.cmd.Process.Pid); err == nil {
			p = max(p, kb)
		}
	}
	return p
}

// vmHWM reads a process's peak resident set size (KiB) from /proc/PID/status.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
