package launcher

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
)

// runProcs plays torchrun for a replica of s.Procs processes: it starts
// the command once per local rank, each with the variables torchrun gives
// its workers (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK,
// MASTER_ADDR/PORT as the replica has them), and waits for all. When one
// fails the others are stopped (SIGTERM) and the launcher exits with the
// first failure's code; it exits 0 when all succeed. The node rank and the
// world size come from the replica's PET_NODE_RANK and WORLD_SIZE (all
// processes of all replicas), which the TrainingJob controller injects.
func runProcs(s *Spec) int {
	nodeRank, _ := strconv.Atoi(os.Getenv("PET_NODE_RANK"))
	world, err := strconv.Atoi(os.Getenv("WORLD_SIZE"))
	if err != nil || world < s.Procs {
		world = s.Procs
	}
	base := os.Environ()
	if v, ok := os.LookupEnv("PET_MASTER_ADDR"); ok {
		base = append(base, "MASTER_ADDR="+v)
	}
	if v, ok := os.LookupEnv("PET_MASTER_PORT"); ok {
		base = append(base, "MASTER_PORT="+v)
	}
	cmds := make([]*exec.Cmd, 0, s.Procs)
	for local := range s.Procs {
		cmd := &exec.Cmd{Path: s.Path, Args: s.Args, Stdin: nil, Stdout: os.Stdout, Stderr: os.Stderr}
		cmd.Env = append(base[:len(base):len(base)],
			"RANK="+strconv.Itoa(nodeRank*s.Procs+local),
			"LOCAL_RANK="+strconv.Itoa(local),
			"GROUP_RANK="+strconv.Itoa(nodeRank),
			"WORLD_SIZE="+strconv.Itoa(world),
			"LOCAL_WORLD_SIZE="+strconv.Itoa(s.Procs),
		)
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "local-launch: start local rank %d of %s: %v\n", local, s.Path, err)
			stopAll(cmds)
			waitAll(cmds)
			if os.IsNotExist(err) {
				return exitNotFound
			}
			return exitCannotRun
		}
		cmds = append(cmds, cmd)
	}
	// Pass on what the runtime asks of the replica.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for sig := range signals {
			for _, c := range cmds {
				_ = c.Process.Signal(sig)
			}
		}
	}()
	var (
		mu    sync.Mutex
		code  int
		wg    sync.WaitGroup
		first = true
	)
	for local, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Wait()
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if !first {
				return
			}
			first = false
			code = exitCode(err)
			fmt.Fprintf(os.Stderr, "local-launch: local rank %d failed (%v): stopping the other processes of the replica\n", local, err)
			stopAll(cmds)
		}()
	}
	wg.Wait()
	signal.Stop(signals)
	close(signals)
	return code
}

func stopAll(cmds []*exec.Cmd) {
	for _, c := range cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
}

func waitAll(cmds []*exec.Cmd) {
	for _, c := range cmds {
		_ = c.Wait()
	}
}

// exitCode is the code a failed process's error stands for, as a shell
// reports it (128+signal for a killed one).
func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		if c := ee.ExitCode(); c > 0 {
			return c
		}
	}
	return 1
}
