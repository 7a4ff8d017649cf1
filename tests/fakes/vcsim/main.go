// vcsim: govmomi's vCenter simulator (a real vSphere SOAP peer) for the
// VMware driver's tests. Listens on plain HTTP at -listen, accepts only the
// -user/-password given, prints its SDK URL, and stops on SIGTERM/SIGINT.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	user := flag.String("user", "administrator@vsphere.local", "the only user name accepted")
	password := flag.String("password", "Passw0rd!", "the only password accepted")
	vms := flag.Int("vms", 1, "how many VMs the cluster holds")
	flag.Parse()

	model := simulator.VPX()
	model.Datacenter = 1
	model.Cluster = 1
	model.ClusterHost = 2
	model.Host = 0
	model.Machine = *vms
	if err := model.Create(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *password)}
	model.Service.TLS = nil
	server := model.Service.NewServer()
	fmt.Println(server.URL.Host)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	server.Close()
	model.Remove()
}
