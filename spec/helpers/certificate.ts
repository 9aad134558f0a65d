import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Makes a self-signed certificate for 127.0.0.1/localhost with Debian's openssl; returns the PEM file paths. */
export function makeCertificate(passphrase?: string): { keyFile: string; certFile: string; folder: string } {
  const folder = mkdtempSync(path.join(tmpdir(), 'typhoon-tls-'));
  const keyFile = path.join(folder, 'key.pem');
  const certFile = path.join(folder, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
    ...(passphrase ? ['-passout', `pass:${passphrase}`] : ['-nodes']),
  ], { stdio: 'ignore' });
  return { keyFile, certFile, folder };
}
