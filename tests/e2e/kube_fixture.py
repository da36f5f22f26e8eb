"""A real Kubernetes control plane (etcd + kube-apiserver) for the end-to-end suites.

Like controller-runtime's envtest: the API server and its storage, no kubelet,
scheduler or controller manager. It is what the controller needs to be tested
against — CRDs with their schema and CEL validation, custom resources, status
subresources, leases and events — with real authentication and RBAC.

A test module uses the session fixture by importing it next to its tests:

    from kube_fixture import kube_control_plane  # noqa: F401 - a pytest fixture

    def test_something(kube_control_plane):
        kube_control_plane.kubectl("apply", "-f", "-", input=manifest)

The binaries come from scripts/setup-kube.sh, which builds them once into the
Tessera cache (minutes, on a clean machine) and is instant after that. The
processes' logs, certificates and kubeconfigs stay in the tmp dir, for
diagnosing a failure.
"""

import base64
import ctypes
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import stop_process

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))

ADMIN_TOKEN = "tessera-e2e-admin-0123456789abcdef"
CLIENT_CERT_USER = "tessera-test"

# OpenSSL's stock configuration makes every `req -x509` certificate a CA;
# with an empty one a certificate has only the extensions we give it.
OPENSSL_CONFIG = "[req]\ndistinguished_name = dn\n[dn]\n"


def kube_bin_dir():
    """The directory holding kube-apiserver, kubectl and etcd, built if needed."""
    return subprocess.run([os.path.join(REPO_ROOT, "scripts/setup-kube.sh")], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def free_ports(count):
    """`count` distinct free loopback ports (all held open while choosing, so
    etcd's client and peer ports and the apiserver's never coincide)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Runs in the child before exec: if pytest is killed outright, the kernel
    kills etcd and the apiserver too instead of leaving them on their ports."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class KubectlError(subprocess.CalledProcessError):
    """A failed kubectl whose message carries what kubectl said."""

    def __str__(self):
        return f"{super().__str__()}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class KubeControlPlane:
    """etcd and kube-apiserver on free loopback ports, with state in `tmp_dir`.

    Authenticates two ways, each with its own kubeconfig: the static bearer
    token ADMIN_TOKEN (`token_kubeconfig`) and the client certificate
    CN=tessera-test, O=system:masters (`cert_kubeconfig`). Both are in
    system:masters, which RBAC allows everything.
    """

    def __init__(self, bin_dir, tmp_dir):
        self.bin_dir = str(bin_dir)
        self.dir = str(tmp_dir)
        os.makedirs(self.dir, exist_ok=True)
        self.token = ADMIN_TOKEN
        self.etcd = None
        self.apiserver = None
        self.url = None
        self.startup_seconds = None
        self.ca_file = os.path.join(self.dir, "ca.crt")
        self.token_kubeconfig = os.path.join(self.dir, "kubeconfig-token")
        self.cert_kubeconfig = os.path.join(self.dir, "kubeconfig-cert")
        self.kubeconfig = self.token_kubeconfig
        self._start()

    # --- lifecycle ------------------------------------------------------------

    def _start(self):
        began = time.monotonic()
        client_port, peer_port, secure_port = free_ports(3)
        self.etcd_url = f"http://127.0.0.1:{client_port}"
        self.url = f"https://127.0.0.1:{secure_port}"
        try:
            self._start_etcd(client_port, peer_port)
            # The certificates are made while etcd opens its data directory.
            self._make_credentials()
            self._wait_for(self._etcd_healthy, self.etcd, "etcd", "etcd healthy")
            self._start_apiserver(secure_port)
            self._wait_for(lambda: self.request("GET", "/readyz")[0] == 200, self.apiserver,
                           "kube-apiserver", "/readyz ok")
            # The system namespaces are created by a controller loop that
            # /readyz does not wait for, and NamespaceLifecycle rejects
            # objects in a namespace that does not exist yet.
            self._wait_for(lambda: self.request("GET", "/api/v1/namespaces/default")[0] == 200,
                           self.apiserver, "kube-apiserver", "namespace default")
        except BaseException:
            self.stop()
            raise
        self._write_kubeconfigs()
        self.startup_seconds = time.monotonic() - began

    def stop(self, timeout=15):
        """Stops the apiserver before etcd, so it never logs a storage outage
        that did not happen; their logs stay in the tmp dir."""
        for process in (self.apiserver, self.etcd):
            stop_process(process, timeout)

    def log(self, name, tail_chars=6000):
        """The end of `name`'s log ("etcd" or "kube-apiserver")."""
        try:
            with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
                return f.read()[-tail_chars:]
        except FileNotFoundError:
            return ""

    # --- clients --------------------------------------------------------------

    def kubectl(self, *args, kubeconfig=None, input=None, check=True, timeout=60):
        """Runs the real kubectl against this control plane."""
        command = [os.path.join(self.bin_dir, "kubectl"), "--kubeconfig",
                   kubeconfig or self.kubeconfig, *args]
        # Discovery is cached per server URL; keep it out of the user's ~/.kube.
        env = dict(os.environ, KUBECACHEDIR=os.path.join(self.dir, "kubectl-cache"))
        env.pop("KUBECONFIG", None)
        result = subprocess.run(command, input=input, capture_output=True, text=True,
                                timeout=timeout, env=env)
        if check and result.returncode != 0:
            raise KubectlError(result.returncode, command, result.stdout, result.stderr)
        return result

    def request(self, method, path, body=None, token=None, timeout=5):
        """One REST call with the admin token: (status, body as JSON or text),
        or (None, error) when nothing answers."""
        request = urllib.request.Request(self.url + path, method=method)
        request.add_header("Authorization", f"Bearer {token or self.token}")
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout,
                                        context=self._ssl_context()) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        except (urllib.error.URLError, ConnectionError, socket.timeout) as error:
            return None, str(error)
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    # --- internals ------------------------------------------------------------

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _spawn(self, name, args):
        # Logs go to files, never pipes: a chatty apiserver cannot fill a pipe
        # and stall, and the log is there to read after a failure.
        with open(self._path(f"{name}.log"), "ab") as log:
            return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.dir,
                                    preexec_fn=_die_with_parent)

    def _start_etcd(self, client_port, peer_port):
        peer_url = f"http://127.0.0.1:{peer_port}"
        self.etcd = self._spawn("etcd", [
            os.path.join(self.bin_dir, "etcd"),
            "--name=tessera-e2e",
            f"--data-dir={self._path('etcd-data')}",
            f"--listen-client-urls={self.etcd_url}",
            f"--advertise-client-urls={self.etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=tessera-e2e={peer_url}",
            # A test cluster's data is thrown away; fsync only slows it down.
            "--unsafe-no-fsync=true",
            # One member elects itself after one election timeout: make it short.
            "--heartbeat-interval=10",
            "--election-timeout=100",
            "--log-level=warn",
        ])

    def _etcd_healthy(self):
        try:
            with urllib.request.urlopen(self.etcd_url + "/health", timeout=2) as response:
                return json.loads(response.read()).get("health") == "true"
        except (urllib.error.URLError, ConnectionError, socket.timeout, ValueError):
            return False

    def _start_apiserver(self, secure_port):
        self.apiserver = self._spawn("kube-apiserver", [
            os.path.join(self.bin_dir, "kube-apiserver"),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            # Otherwise it advertises (and puts in the kubernetes Service's
            # endpoints) the host's first non-loopback address.
            "--advertise-address=127.0.0.1",
            f"--secure-port={secure_port}",
            # Unused with the explicit serving certificate, but keeps the
            # default /var/run/kubernetes out of the picture.
            f"--cert-dir={self._path('apiserver-certs')}",
            f"--tls-cert-file={self._path('apiserver.crt')}",
            f"--tls-private-key-file={self._path('apiserver.key')}",
            f"--client-ca-file={self.ca_file}",
            f"--token-auth-file={self._path('tokens.csv')}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={self._path('sa.pub')}",
            f"--service-account-signing-key-file={self._path('sa.key')}",
            "--authorization-mode=RBAC",
            # Off by default in kube-apiserver, on in every cluster that runs
            # privileged DaemonSets (kubeadm's, the clouds'): the chart's
            # agent is one.
            "--allow-privileged=true",
            "--service-cluster-ip-range=10.0.0.0/24",
            # ServiceAccount admission rejects pods until the controller
            # manager (absent here) has made the namespace's default account.
            "--disable-admission-plugins=ServiceAccount",
            # Skips renewing an endpoint lease for the kubernetes Service every
            # 10 s: its only users, in-cluster clients, do not exist here.
            "--endpoint-reconciler-type=none",
        ])

    def _wait_for(self, ready, process, name, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited {process.returncode} before {what}:\n"
                                     + self.log(name))
            if ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{name}: {what} not reached in {timeout} s:\n" + self.log(name))

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, cwd=self.dir, capture_output=True,
                       env=dict(os.environ, OPENSSL_CONF=self._path("openssl.cnf")))

    def _certificate(self, name, subject, *extensions, ca=True):
        """A P-256 key and certificate, self-signed or signed by ca.crt.
        P-256 rather than RSA, whose key generation costs tenths of a second."""
        args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", subject,
                "-keyout", f"{name}.key", "-out", f"{name}.crt"]
        if ca:
            args += ["-CA", "ca.crt", "-CAkey", "ca.key"]
        for extension in extensions:
            args += ["-addext", extension]
        self._openssl(*args)

    def _make_credentials(self):
        with open(self._path("openssl.cnf"), "w") as f:
            f.write(OPENSSL_CONFIG)
        self._certificate("ca", "/CN=tessera-e2e-ca", "basicConstraints=critical,CA:TRUE",
                          "keyUsage=critical,keyCertSign,cRLSign", ca=False)
        self._certificate("apiserver", "/CN=kube-apiserver", "basicConstraints=critical,CA:FALSE",
                          "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth",
                          "subjectAltName=IP:127.0.0.1,DNS:localhost")
        self._certificate("client", f"/O=system:masters/CN={CLIENT_CERT_USER}",
                          "basicConstraints=critical,CA:FALSE",
                          "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth")
        self._openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", "sa.key")
        self._openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub")
        # token,user,uid,"groups"
        with open(self._path("tokens.csv"), "w") as f:
            f.write(f'{self.token},tessera-admin,tessera-admin,"system:masters"\n')

    def _ssl_context(self):
        return ssl.create_default_context(cafile=self.ca_file)

    def _write_kubeconfigs(self):
        def data(name):
            with open(self._path(name), "rb") as f:
                return base64.b64encode(f.read()).decode()

        # kubectl reads JSON kubeconfigs as well as YAML ones.
        for path, user in ((self.token_kubeconfig, {"token": self.token}),
                           (self.cert_kubeconfig,
                            {"client-certificate-data": data("client.crt"),
                             "client-key-data": data("client.key")})):
            config = {
                "apiVersion": "v1", "kind": "Config",
                "clusters": [{"name": "tessera-e2e", "cluster": {
                    "server": self.url, "certificate-authority-data": data("ca.crt")}}],
                "users": [{"name": "tessera-e2e", "user": user}],
                "contexts": [{"name": "tessera-e2e", "context": {
                    "cluster": "tessera-e2e", "user": "tessera-e2e"}}],
                "current-context": "tessera-e2e",
            }
            with open(path, "w") as f:
                json.dump(config, f, indent=2)


@pytest.fixture(scope="session")
def kube_control_plane(tmp_path_factory):
    """One control plane for the session: starting one takes seconds, and
    tests keep apart by namespace or object name."""
    control_plane = KubeControlPlane(kube_bin_dir(), tmp_path_factory.mktemp("kube"))
    yield control_plane
    control_plane.stop()
