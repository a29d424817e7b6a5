using System.Security.Cryptography;

namespace Liberterra.Command.Access;

/// <summary>The built-in issuer's HMAC-SHA256 key: from configuration, or from a key file created on first use.</summary>
public static class SigningKey
{
    public const int Bytes = 32;

    /// <summary>Decodes a base64 key of at least 256 bits.</summary>
    public static byte[] FromBase64(string base64)
    {
        var key = Convert.FromBase64String(base64.Trim());
        return key.Length >= Bytes ? key : throw new ArgumentException($"A signing key must be at least {Bytes * 8} bits.", nameof(base64));
    }

    /// <summary>Reads the key file, creating it (random, readable by its owner only) when it does not exist.</summary>
    public static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path)) return FromBase64(File.ReadAllText(path));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var key = RandomNumberGenerator.GetBytes(Bytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
            writer.Write(Convert.ToBase64String(key));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return FromBase64(File.ReadAllText(path));
        }
    }
}
