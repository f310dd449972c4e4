package serve

import (
	"fmt"
	"net"
	"net/netip"
)

// CheckLoopback returns an error unless addr (host:port) names a loopback
// address. An empty host or "localhost" counts as loopback only for
// "localhost"; an empty host means all interfaces and is refused.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("serve: refusing to listen on non-loopback address %q (models would be reachable from the network); pass the explicit allow-remote option to do so", addr)
	}
	return nil
}

// Listen opens a TCP listener on addr, refusing non-loopback addresses
// unless allowRemote is set.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	if !allowRemote {
		if err := CheckLoopback(addr); err != nil {
			return nil, err
		}
	}
	return net.Listen("tcp", addr)
}
