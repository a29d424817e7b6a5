using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Liberterra.Command.Server.Tak;

/// <summary>The <c>Tak</c> configuration section: the deployment's TAK certificate authority and how devices reach it.</summary>
public sealed class TakOptions
{
    public const string Section = "Tak";

    /// <summary>The CA (certificate and key) as base64 PKCS#12; overrides <see cref="CaFile"/>. Every silo needs the same.</summary>
    public string? Ca { get; set; }

    /// <summary>Where the CA is kept (PKCS#12, created on first run, readable by its owner only, git-ignored). Never commit it.</summary>
    public string CaFile { get; set; } = ".data/tak-ca.p12";

    /// <summary>The host name or address TAK devices connect to (written into their data package); default: the enrolling request's host.</summary>
    public string? Host { get; set; }

    /// <summary>The CoT streaming port, TLS with client certificates (TAK Server's default 8089).</summary>
    public int Port { get; set; } = 8089;

    /// <summary>Whether this silo listens on <see cref="Port"/> (off by default: enrolment works without it).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// At most one position per team in this many seconds goes into the timeline (ATAK reports every 2-180 s): the walls
    /// and the debrief follow a team at this rate without a device flooding the timeline.
    /// </summary>
    public int SampleSeconds { get; set; } = 30;

    /// <summary>How long a device may stay silent before it is disconnected (ATAK sends its position at least every 3 minutes).</summary>
    public int IdleSeconds { get; set; } = 300;

    /// <summary>
    /// How long one event may take to arrive whole once its first byte has (a device's events are a few hundred
    /// bytes): a sender that trickles an event slowly, to hold a connection and its buffer, is disconnected.
    /// </summary>
    public int EventSeconds { get; set; } = 30;

    /// <summary>Plain TCP for a lab (no TLS, no certificate): off unless <see cref="TakLabOptions.Port"/> is set.</summary>
    public TakLabOptions Lab { get; set; } = new();

    /// <summary>Refuses settings that cannot work, in words naming the setting (at start-up, before anything listens).</summary>
    public void Validate()
    {
        if (SampleSeconds < 0) throw new InvalidOperationException("Tak:SampleSeconds must be 0 (every position) or more.");
        if (IdleSeconds < 1 || EventSeconds < 1) throw new InvalidOperationException("Tak:IdleSeconds and Tak:EventSeconds must be at least 1.");
        if (Lab.Port is not null && (string.IsNullOrWhiteSpace(Lab.Operation) || string.IsNullOrWhiteSpace(Lab.Team)))
            throw new InvalidOperationException("Tak:Lab:Port needs Tak:Lab:Operation and Tak:Lab:Team: every device on the plain lab port acts for that one team.");
        if (Lab.Port is not null && !Enabled) throw new InvalidOperationException("Tak:Lab:Port needs Tak:Enabled=true.");
    }
}

/// <summary>
/// The <c>Tak:Lab</c> section: a plain TCP CoT port (TAK Server's 8087) for a lab or an exercise, where devices have
/// no certificates. Nothing authenticates a device there, so every connection acts for the one configured team (its
/// positions, 911 alerts and GeoChat) and sees what that team's agency sees. Never enable it on a real operation.
/// </summary>
public sealed class TakLabOptions
{
    /// <summary>The plain TCP port (TAK's 8087; 0: any free port, for tests); unset: no plain port.</summary>
    public int? Port { get; set; }

    public string? Operation { get; set; }

    public string? Team { get; set; }
}

/// <summary>
/// The deployment's TAK certificate authority: it signs each enrolled device's client certificate, bound to its
/// operation and team (in the subject and a <c>urn:liberterra:tak:</c> URI), and the CoT endpoint's server certificate.
/// Its key is kept like the signing key: a file readable by its owner, or configuration.
/// </summary>
public sealed class TakAuthority
{
    public const string BindingPrefix = "urn:liberterra:tak:";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan DeviceLifetime = TimeSpan.FromDays(365);

    public TakAuthority(X509Certificate2 ca) => Ca = ca;

    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Ca { get; }

    public static TakAuthority From(TakOptions options, string contentRoot)
    {
        if (options.Ca is { Length: > 0 } configured)
            return new TakAuthority(X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(configured), null, X509KeyStorageFlags.Exportable));
        var path = Path.IsPathRooted(options.CaFile) ? options.CaFile : Path.Combine(contentRoot, options.CaFile);
        return new TakAuthority(LoadOrCreate(path));
    }

    private static X509Certificate2 LoadOrCreate(string path)
    {
        if (File.Exists(path)) return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var key = RSA.Create(3072);
        var request = new CertificateRequest("CN=Liberterra TAK CA, O=Liberterra.Command", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(CaLifetime));
        // Written whole under another name, then moved into place: a reader never sees half a file, and when another
        // process got there first, its CA is the one used.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temporary, options)) file.Write(ca.Export(X509ContentType.Pkcs12));
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>A client certificate for a device of <paramref name="operationId"/> bound to <paramref name="teamId"/> (null: command, read-only).</summary>
    public X509Certificate2 IssueDevice(string operationId, string? teamId, string device, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Liberterra.Command");
        subject.AddOrganizationalUnitName(operationId);
        subject.AddCommonName(device);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"{BindingPrefix}{operationId}:{teamId ?? "command"}"));
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;                                   // a positive serial number
        var notAfter = now.Add(DeviceLifetime) < Ca.NotAfter ? now.Add(DeviceLifetime) : new DateTimeOffset(Ca.NotAfter.ToUniversalTime());
        using var signed = request.Create(Ca, now.AddMinutes(-5), notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>The CoT endpoint's own certificate, signed by the CA that devices trust (their data package holds it).</summary>
    public X509Certificate2 IssueServer(string host, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}, O=Liberterra.Command", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        if (System.Net.IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
        else names.AddDnsName(host);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(Ca, now.AddMinutes(-5), now.AddDays(90), RandomNumberGenerator.GetBytes(16));
        // Exported and loaded again: SslStream on Linux needs the key in a form it can use for a server.
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>What a device's certificate is bound to: its operation and its team (null for a command device).</summary>
    public static (string OperationId, string? TeamId)? BindingOf(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
            foreach (var uri in SubjectUris(extension))
                if (uri.StartsWith(BindingPrefix, StringComparison.Ordinal) && uri[BindingPrefix.Length..].Split(':') is [var op, var team])
                    return (op, team == "command" ? null : team);
        return null;
    }

    // URIs of a subject alternative name extension (GeneralName [6] uniformResourceIdentifier).
    private static List<string> SubjectUris(X509Extension extension)
    {
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        var found = new List<string>();
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6) found.Add(reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
            else reader.ReadEncodedValue();
        }

        return found;
    }

    /// <summary>The serial number as the registry keeps it: 32 upper-case hex digits.</summary>
    public static string SerialOf(X509Certificate2 certificate) => certificate.SerialNumber.PadLeft(32, '0');

    /// <summary>True when <paramref name="certificate"/> was signed by this CA (and is within its validity).</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;     // revocation is the registry's (tak_devices)
        return chain.Build(certificate);
    }
}
