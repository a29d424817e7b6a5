namespace Liberterra.Command.Server.Security;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "liberterra";
    public string Audience { get; set; } = "liberterra-command";

    /// <summary>An OpenID Connect provider (its metadata gives the signing keys); replaces the built-in issuer.</summary>
    public string? Authority { get; set; }

    /// <summary>The built-in issuer's key, base64 (at least 256 bits). Overrides <see cref="SigningKeyFile"/>.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Where the built-in issuer's key is kept; created on first run. Never commit it.</summary>
    public string SigningKeyFile { get; set; } = ".data/signing.key";

    public bool UsesBuiltInIssuer => string.IsNullOrWhiteSpace(Authority);
}
