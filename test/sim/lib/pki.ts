// The certificates kubeadm's "certs" and "kubeconfig" phases create on a kind node, for the simulated node:
// the cluster CA (CN kubernetes), the API server's serving certificate (CN kube-apiserver, the SANs kubeadm
// gives it plus kind's certSANs localhost and the API server address) and the admin client certificate of
// /etc/kubernetes/admin.conf (CN kubernetes-admin, O kubeadm:cluster-admins — kubeadm v1.29+ binds that group
// to cluster-admin; system:masters is only in super-admin.conf). Sources: kubernetes cmd/kubeadm/app/phases/
// certs/certlist.go, cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go; kind pkg/cluster/internal/kubeadm/config.go.
//
// Keys are ECDSA P-256 (kubeadm's ClusterConfiguration.encryptionAlgorithm "ECDSA-P256"; its default is
// RSA-2048, but an RSA key costs ~150 ms to generate and the tests create many clusters). Node's crypto cannot
// build X.509 certificates, so @peculiar/x509 encodes them over WebCrypto.
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface Pem {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: Pem;
  apiserver: Pem;
  admin: Pem;
}

export interface PkiSpec {
  /** the control-plane node (container) name, e.g. kind-control-plane */
  nodeName: string;
  /** the node's address on the kind network */
  nodeIP: string;
  /** networking.apiServerAddress (127.0.0.1 by default), one of kind's certSANs */
  apiServerAddress: string;
  /** first address of the service subnet (the `kubernetes` Service) */
  serviceIP?: string;
}

function serial(): string {
  const b = randomBytes(8);
  b[0] = (b[0] ?? 0) & 0x7f; // positive, as Go's crypto/x509 requires
  return b.toString('hex');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

/** kubeadm writes EC keys as SEC1 "EC PRIVATE KEY" PEM. */
async function keyPem(k: CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }).toString();
}

const isIP = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');

/** Generates a fresh PKI for one cluster (each real kind cluster has its own CA). */
export async function createClusterPki(spec: PkiSpec): Promise<ClusterPki> {
  const now = Date.now();
  const notBefore = new Date(now - 5 * 60_000);
  const [caKeys, apiKeys, adminKeys] = await Promise.all([keyPair(), keyPair(), keyPair()]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kubernetes',
    notBefore,
    notAfter: new Date(now + 3650 * DAY),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaf = async (subject: string, keys: CryptoKeyPair, usage: string, extra: x509.Extension[]) =>
    x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter: new Date(now + 365 * DAY),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false),
        ...extra,
      ],
    });
  const dns = [spec.nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'];
  const ips = [spec.serviceIP ?? '10.96.0.1', spec.nodeIP, '127.0.0.1'];
  if (isIP(spec.apiServerAddress) && !ips.includes(spec.apiServerAddress)) ips.push(spec.apiServerAddress);
  else if (!isIP(spec.apiServerAddress) && !dns.includes(spec.apiServerAddress)) dns.push(spec.apiServerAddress);
  const apiserver = await leaf('CN=kube-apiserver', apiKeys, x509.ExtendedKeyUsage.serverAuth, [
    new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]),
  ]);
  const admin = await leaf('O=kubeadm:cluster-admins, CN=kubernetes-admin', adminKeys, x509.ExtendedKeyUsage.clientAuth, []);
  return {
    ca: { cert: ca.toString('pem') + '\n', key: await keyPem(caKeys.privateKey) },
    apiserver: { cert: apiserver.toString('pem') + '\n', key: await keyPem(apiKeys.privateKey) },
    admin: { cert: admin.toString('pem') + '\n', key: await keyPem(adminKeys.privateKey) },
  };
}
