// Package launcher starts a model server from a command template such as
// "vllm serve {model} --revision {revision} --port {port} --tensor-parallel-size {tp}",
// on a free loopback port, waits until GET /health answers 200, and stops
// the whole process group on Close.
package launcher
