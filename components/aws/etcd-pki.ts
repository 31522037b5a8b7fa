/**
 * The API7 2.x etcd cluster's certificates and passwords, issued by the program (@pulumi/tls, @pulumi/random) and kept
 * in its state as secrets; the hosts get them as SSM SecureStrings of their own group (components/aws/host.ts).
 *
 * - One CA per stack, ten years: every member and client trusts it alone, so another stack's certificates are refused.
 *   Replacing it is not rolled: members restarted one by one with a new CA would refuse the others' certificates
 *   (docs/api7-2x.md, what remains).
 * - Member and client certificates for two years, renewed by any `pulumi up` in their last 60 days (@pulumi/tls
 *   LocallySignedCert earlyRenewalHours: "the resource will consider the certificate to have expired ... and will
 *   replace it"); the new ones reach the hosts by the groups' rollouts, one member at a time.
 * - ECDSA P-256 keys: Go's crypto/tls (etcd, the 2.x dashboard) and OpenSSL (APISIX 2.x) read them.
 * - Passwords: 32 letters and digits. No blank, which etcdctl would cut off (config-templates/api7-etcd-auth.sh), and
 *   nothing a YAML config or a placeholder substitution would have to escape.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { CertificateRequest } from "../etcd";

export const CA_VALIDITY_HOURS = 10 * 365 * 24;
export const CERT_VALIDITY_HOURS = 2 * 365 * 24;
export const CERT_EARLY_RENEWAL_HOURS = 60 * 24;

/** A certificate and its key, as PEM. */
export interface IssuedCertificate {
    readonly certPem: pulumi.Output<string>;
    readonly keyPem: pulumi.Output<string>;
}

export class EtcdPki extends pulumi.ComponentResource {
    public readonly caPem: pulumi.Output<string>;
    private readonly caKey: tls.PrivateKey;
    private readonly caCert: tls.SelfSignedCert;

    constructor(name: string, args: { readonly stack: string }, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:etcd:Pki", name, {}, opts);
        this.caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        this.caCert = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: this.caKey.privateKeyPem,
                subject: { commonName: `api7-ha ${args.stack} etcd CA` },
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing"],
            },
            { parent: this },
        );
        this.caPem = this.caCert.certPem;
        this.registerOutputs({ caPem: this.caPem });
    }

    /** A certificate signed by the stack's CA for `request` (components/etcd.ts says what each one needs). */
    public issue(name: string, request: pulumi.Input<CertificateRequest>): IssuedCertificate {
        const req = pulumi.output(request);
        const key = new tls.PrivateKey(name, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const csr = new tls.CertRequest(
            name,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: req.commonName },
                ipAddresses: req.ipAddresses.apply((a) => [...a]),
                dnsNames: req.apply((r) => (r.dnsNames ? [...r.dnsNames] : undefined)),
            },
            { parent: this },
        );
        const cert = new tls.LocallySignedCert(
            name,
            {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: this.caKey.privateKeyPem,
                caCertPem: this.caCert.certPem,
                validityPeriodHours: CERT_VALIDITY_HOURS,
                earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
                allowedUses: req.uses.apply((u) => [...u]),
            },
            { parent: this },
        );
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    }

    /** A password of the stack's (see the module's comment), a secret. */
    public password(name: string): pulumi.Output<string> {
        return new random.RandomPassword(name, { length: 32, special: false }, { parent: this }).result;
    }
}
