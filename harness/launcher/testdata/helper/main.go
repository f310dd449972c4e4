// Command helper is a stand-in model server for launcher tests: it serves
// /health on 127.0.0.1:-port after -delay, and, with -child, starts a
// long-sleeping child process to check process-group cleanup.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"
)

func main() {
	port := flag.Int("port", 0, "port")
	delay := flag.Duration("delay", 200*time.Millisecond, "time before healthy")
	child := flag.Bool("child", false, "start a child process")
	flag.Parse()
	if *child {
		c := exec.Command("sleep", "300")
		if err := c.Start(); err == nil {
			fmt.Println("child", c.Process.Pid)
			os.WriteFile(os.Getenv("HELPER_CHILD_PID_FILE"), []byte(fmt.Sprint(c.Process.Pid)), 0o644)
		}
	}
	ready := time.Now().Add(*delay)
	http.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if time.Now().Before(ready) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	if err := http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *port), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
