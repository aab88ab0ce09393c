// Command pulumi-language-python is this project's own Python language host for the Pulumi engine.
//
// Why it exists: the upstream host module (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3)
// is not served by the Go module proxy reachable here, and the last in-sdk host (sdk/v3 v3.79.0) ignores the
// runtime options the v3.274.1 engine sends (it ran the ambient python3 instead of the project's virtualenv).
// See README.md "Pulumi CLI". It is written from the LanguageRuntime gRPC service definition in sdk/v3's
// proto/go (pulumirpc) and implements only what a pip-virtualenv project needs:
//
//   - startup: the engine runs `pulumi-language-python [flags] ENGINE_ADDRESS`; we print our gRPC port.
//   - Run: start `<venv>/bin/python <dir of this binary>/pulumi-language-python-exec <args> PROGRAM` in the
//     program's working directory, with the stack config as JSON in PULUMI_CONFIG.
//   - GetRequiredPackages/GetRequiredPlugins: none. The one provider plugin the program uses is the
//     project's own `twiliox`, which Pulumi.yaml's `plugins.providers` points at infra/twiliox/bin, so the
//     engine never tries to download a plugin.
//   - InstallDependencies: make sure the virtualenv exists.
//   - GetPluginInfo, About, GetProgramDependencies, RuntimeOptionsPrompts: small answers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// execScriptName is the Python entry script installed next to this binary.
const execScriptName = "pulumi-language-python-exec"

// exitAlreadyReported is the exec script's exit code for "the program failed and the error was shown".
const exitAlreadyReported = 32

func main() {
	flags := flag.NewFlagSet("pulumi-language-python", flag.ContinueOnError)
	// Accepted for compatibility with the flags the engine may pass to plugins; unused here.
	flags.String("tracing", "", "tracing endpoint (ignored)")
	flags.Bool("logtostderr", false, "log to stderr (ignored)")
	flags.Bool("logflow", false, "log flow (ignored)")
	flags.Int("v", 0, "log verbosity (ignored)")
	flags.String("root", "", "project root (ignored; the engine sends it with each request)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(2)
	}
	engineAddress := ""
	if flags.NArg() > 0 {
		engineAddress = flags.Arg(flags.NArg() - 1)
	}

	execScript, err := findExecScript()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}

	host := &pythonHost{engineAddress: engineAddress, execScript: execScript}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	go exitWithParent(os.Getppid())
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

// exitWithParent ends the host once the engine that started it is gone. The engine stops its language host
// itself; a killed engine (SIGKILL of `pulumi up`) stops nothing, and the host and the program it runs would
// live on as orphans. An orphan is handed to init or a subreaper, so its parent PID changes. The program
// watches its own parent (this host) the same way (infra/parent_watch.py) and ends in turn.
func exitWithParent(parent int) {
	for range time.Tick(500 * time.Millisecond) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "pulumi-language-python: the engine is gone; exiting")
			os.Exit(1)
		}
	}
}

// findExecScript locates pulumi-language-python-exec beside the (symlink-resolved) binary.
func findExecScript() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find own path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	script := filepath.Join(filepath.Dir(self), execScriptName)
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("missing executor %s next to the host binary; reinstall with `make pulumi`", script)
	}
	return script, nil
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	execScript    string
}

// runtimeOptions are the Pulumi.yaml `runtime.options` this host understands.
type runtimeOptions struct {
	virtualenv string // absolute, or "" for the ambient python
}

func parseOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	var opts runtimeOptions
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	for key, value := range info.GetOptions().AsMap() {
		switch key {
		case "virtualenv":
			path, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml runtime.options.virtualenv: expected a string path, got %v", value)
			}
			if path != "" && !filepath.IsAbs(path) {
				path = filepath.Join(info.GetRootDirectory(), path)
			}
			opts.virtualenv = filepath.Clean(path)
		case "toolchain":
			if value != "pip" {
				return opts, fmt.Errorf("Pulumi.yaml runtime.options.toolchain: %v is not supported by this "+
					"project's language host; use `toolchain: pip`", value)
			}
		default:
			return opts, fmt.Errorf("Pulumi.yaml runtime.options.%s: unknown option; "+
				"this project's language host supports `virtualenv` and `toolchain: pip`", key)
		}
	}
	return opts, nil
}

// pythonCommand is the interpreter to run: the virtualenv's python, else PULUMI_PYTHON_CMD or python3.
func (o runtimeOptions) pythonCommand() (string, error) {
	if o.virtualenv == "" {
		if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
			return cmd, nil
		}
		return "python3", nil
	}
	python := filepath.Join(o.virtualenv, "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return "", fmt.Errorf("virtualenv %s has no bin/python (Pulumi.yaml runtime.options.virtualenv); "+
			"create it with `make setup`", o.virtualenv)
	}
	return python, nil
}

// pythonEnv is the environment with the virtualenv activated the way `activate` does it.
func (o runtimeOptions) pythonEnv(extra ...string) []string {
	env := make([]string, 0, len(os.Environ())+len(extra)+2)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PYTHONHOME=") ||
			(o.virtualenv != "" && (strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "VIRTUAL_ENV="))) {
			continue
		}
		env = append(env, kv)
	}
	if o.virtualenv != "" {
		env = append(env,
			"VIRTUAL_ENV="+o.virtualenv,
			"PATH="+filepath.Join(o.virtualenv, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return append(env, extra...)
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *pythonHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *pythonHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	python, err := opts.pythonCommand()
	if err != nil {
		return nil, err
	}
	// -S: no site packages to scan for a version string (a third of the time `pulumi up` spends here).
	out, err := exec.Command(python, "-S", "-c", "import sys; print(sys.version.split()[0])").Output()
	if err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", python, err)
	}
	return &pulumirpc.AboutResponse{Executable: python, Version: strings.TrimSpace(string(out))}, nil
}

// InstallDependencies creates the virtualenv when it is missing (the Makefile's `setup` installs packages).
func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	if opts.virtualenv == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(opts.virtualenv, "bin", "python")); err == nil {
		return nil
	}
	cmd := exec.Command("python3", "-m", "venv", opts.virtualenv)
	out, err := cmd.CombinedOutput()
	if sendErr := stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out}); sendErr != nil {
		return sendErr
	}
	if err != nil {
		return fmt.Errorf("python3 -m venv %s failed: %w", opts.virtualenv, err)
	}
	return nil
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	opts, err := parseOptions(info)
	if err != nil {
		return nil, err
	}
	python, err := opts.pythonCommand()
	if err != nil {
		return nil, err
	}

	program := req.GetProgram() //nolint:staticcheck // fallback for engines that send no ProgramInfo
	rootDir := req.GetPwd()
	if info != nil {
		rootDir = info.GetRootDirectory()
		entry := info.GetEntryPoint()
		if entry == "" {
			entry = "."
		}
		program = filepath.Join(info.GetProgramDirectory(), entry)
	}
	if program == "" {
		program = "."
	}

	h.mu.Lock()
	engineAddress := h.engineAddress
	h.mu.Unlock()

	args := []string{h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", engineAddress,
		"--project", req.GetProject(),
		"--root_directory", rootDir,
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{} // the exec script expects an object, never null
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encoding stack config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding secret config keys: %w", err)
	}

	if line := oversizedConfig(config, len(configJSON), req.GetStack()); line != "" {
		fmt.Fprintln(os.Stderr, line)
		return &pulumirpc.RunResponse{Bail: true}, nil
	}

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = opts.pythonEnv(
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
	)
	// The engine shows our stdout/stderr as the program's output.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", python, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// maxConfigEnvBytes: the stack config reaches the program as one environment string, and Linux refuses to
// start a process with a string over 128 KiB (MAX_ARG_STRLEN): the engine would only say "argument list too
// long". Refuse it here in one line that names the biggest key (values are never shown: they may be secrets).
const maxConfigEnvBytes = 120 * 1024

func oversizedConfig(config map[string]string, size int, stack string) string {
	if size <= maxConfigEnvBytes {
		return ""
	}
	biggest, biggestSize := "", -1
	for key, value := range config {
		if len(value) > biggestSize || (len(value) == biggestSize && key < biggest) {
			biggest, biggestSize = key, len(value)
		}
	}
	return fmt.Sprintf("error: stack config: %d KB in all, more than the %d KB a program can be given; "+
		"%s alone holds %d KB (fix: shorten %s in Pulumi.%s.yaml)",
		size/1024, maxConfigEnvBytes/1024, biggest, biggestSize/1024, biggest, stack)
}
