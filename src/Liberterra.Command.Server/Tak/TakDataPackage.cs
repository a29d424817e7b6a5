using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace Liberterra.Command.Server.Tak;

/// <summary>
/// A TAK data package that ATAK, WinTAK and iTAK import in one tap: a zip with <c>MANIFEST/manifest.xml</c>
/// (MissionPackageManifest version 2), the CA as a trust store, the device's client certificate and key, and the
/// preferences that add the server's connection (<c>host:port:ssl</c>) with both. The stores' password is random per
/// package and written in its preferences, as TAK Server's own enrolment packages do.
/// </summary>
public static class TakDataPackage
{
    public const string TrustStore = "certs/truststore-liberterra.p12";
    public const string Preferences = "certs/liberterra.pref";

    public static byte[] Build(TakAuthority authority, X509Certificate2 device, string operationId, string deviceName, string host, int port)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        var clientStore = $"certs/{FileName(deviceName)}.p12";
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            Entry(zip, "MANIFEST/manifest.xml", Manifest(operationId, deviceName, [Preferences, TrustStore, clientStore]));
            Entry(zip, Preferences, Prefs(operationId, host, port, clientStore, password));
            var trust = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(authority.Ca.RawData) };
            Entry(zip, TrustStore, trust.Export(X509ContentType.Pkcs12, password)!);
            var client = new X509Certificate2Collection { device, X509CertificateLoader.LoadCertificate(authority.Ca.RawData) };
            Entry(zip, clientStore, client.Export(X509ContentType.Pkcs12, password)!);
        }

        return output.ToArray();
    }

    // A name a phone's file system takes: letters, digits, '-' and '_'.
    private static string FileName(string device) =>
        string.Concat(device.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')) is { Length: > 0 } name ? name : "device";

    private static void Entry(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }

    private static byte[] Xml(Action<XmlWriter> write)
    {
        using var output = new MemoryStream();
        using (var x = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) }))
        {
            x.WriteStartDocument(true);
            write(x);
            x.WriteEndDocument();
        }

        return output.ToArray();
    }

    private static byte[] Manifest(string operationId, string deviceName, string[] contents) => Xml(x =>
    {
        x.WriteStartElement("MissionPackageManifest");
        x.WriteAttributeString("version", "2");
        x.WriteStartElement("Configuration");
        Parameter(x, "uid", Guid.NewGuid().ToString());
        Parameter(x, "name", $"Liberterra {operationId} - {deviceName}");
        Parameter(x, "onReceiveDelete", "true");
        x.WriteEndElement();
        x.WriteStartElement("Contents");
        foreach (var entry in contents)
        {
            x.WriteStartElement("Content");
            x.WriteAttributeString("ignore", "false");
            x.WriteAttributeString("zipEntry", entry);
            x.WriteEndElement();
        }

        x.WriteEndElement();
        x.WriteEndElement();
    });

    private static void Parameter(XmlWriter x, string name, string value)
    {
        x.WriteStartElement("Parameter");
        x.WriteAttributeString("name", name);
        x.WriteAttributeString("value", value);
        x.WriteEndElement();
    }

    // ATAK's preferences: one streaming connection (TLS with this client certificate), and where the stores are.
    private static byte[] Prefs(string operationId, string host, int port, string clientStore, string password) => Xml(x =>
    {
        x.WriteStartElement("preferences");
        x.WriteStartElement("preference");
        x.WriteAttributeString("version", "1");
        x.WriteAttributeString("name", "cot_streams");
        Pref(x, "count", "Integer", "1");
        Pref(x, "description0", "String", $"Liberterra {operationId}");
        Pref(x, "enabled0", "Boolean", "true");
        Pref(x, "connectString0", "String", $"{host}:{port}:ssl");
        x.WriteEndElement();
        x.WriteStartElement("preference");
        x.WriteAttributeString("version", "1");
        x.WriteAttributeString("name", "com.atakmap.app_preferences");
        Pref(x, "displayServerConnectionWidget", "Boolean", "true");
        Pref(x, "caLocation", "String", "cert/" + Path.GetFileName(TrustStore));
        Pref(x, "caPassword", "String", password);
        Pref(x, "certificateLocation", "String", "cert/" + Path.GetFileName(clientStore));
        Pref(x, "clientPassword", "String", password);
        x.WriteEndElement();
        x.WriteEndElement();
    });

    private static void Pref(XmlWriter x, string key, string type, string value)
    {
        x.WriteStartElement("entry");
        x.WriteAttributeString("key", key);
        x.WriteAttributeString("class", $"class java.lang.{type}");
        x.WriteString(value);
        x.WriteEndElement();
    }
}
