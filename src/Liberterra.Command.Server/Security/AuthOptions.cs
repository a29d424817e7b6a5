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

    /// <summary>
    /// The agencies' own OpenID Connect providers, accepted besides the built-in issuer (or <see cref="Authority"/>):
    /// each token acts for the agency its provider is configured with (<see cref="AgencyIssuerOptions"/>).
    /// </summary>
    public List<AgencyIssuerOptions> Issuers { get; set; } = [];

    public bool UsesBuiltInIssuer => string.IsNullOrWhiteSpace(Authority);

    /// <summary>The issuer of the tokens the default scheme accepts: the built-in one's, or the Authority.</summary>
    private string DefaultIssuer => UsesBuiltInIssuer ? Issuer : Authority!;

    /// <summary>
    /// Stops start-up, naming every entry of <c>Auth:Issuers</c> that cannot work: one without an Authority, an agency
    /// that is not an agency id, a provider over plain HTTP that did not say so, or an issuer named twice (by two
    /// entries, or by an entry and the default scheme: a token must lead to one provider).
    /// </summary>
    public void Validate()
    {
        var problems = new List<string>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AgencyIssuerOptions.Key(DefaultIssuer)] = UsesBuiltInIssuer ? $"{Section}:{nameof(Issuer)}" : $"{Section}:{nameof(Authority)}",
        };
        for (var i = 0; i < Issuers.Count; i++)
        {
            var at = $"{Section}:{nameof(Issuers)}:{i}";
            var entry = Issuers[i];
            problems.AddRange(entry.Problems().Select(p => $"{at}: {p}"));
            if (entry.RoutingIssuer is not { } issuer) continue;
            if (!owner.TryAdd(AgencyIssuerOptions.Key(issuer), at))
                problems.Add($"{at}: its issuer '{issuer}' is already {owner[AgencyIssuerOptions.Key(issuer)]}'s; a token must lead to one provider.");
        }

        if (problems.Count > 0)
            throw new InvalidOperationException(
                $"The {Section}:{nameof(Issuers)} configuration cannot work:" + string.Concat(problems.Select(p => $"{Environment.NewLine}- {p}")));
    }
}

/// <summary>
/// An agency's own OpenID Connect provider (an entry of <c>Auth:Issuers</c>). Its signing keys come from its discovery
/// document; every token it signs acts for <see cref="Agency"/>, whatever the token says (one claiming another agency is
/// refused).
/// </summary>
public sealed class AgencyIssuerOptions
{
    /// <summary>The provider's address; <c>{Authority}/.well-known/openid-configuration</c> is its discovery document.</summary>
    public string? Authority { get; set; }

    /// <summary>The agency (an agency id of the operations) every token of this provider acts for.</summary>
    public string? Agency { get; set; }

    /// <summary>The audience its tokens must name; <c>Auth:Audience</c> when not set.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The <c>iss</c> its tokens carry. When not set, tokens are recognised by the <see cref="Authority"/> and checked
    /// against the discovery document's issuer: set it when the provider's issuer is not its address.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>Whether the discovery document must be fetched over HTTPS (only a test or a trusted network says false).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The <c>iss</c> that sends a token to this provider's scheme (null when the entry has no Authority).</summary>
    public string? RoutingIssuer =>
        !string.IsNullOrWhiteSpace(Issuer) ? Issuer
        : !string.IsNullOrWhiteSpace(Authority) ? Authority
        : null;

    /// <summary>How issuers are compared when a token is routed: as written, but with or without a final slash.</summary>
    public static string Key(string issuer) => issuer.TrimEnd('/');

    /// <summary>What is wrong with this entry on its own, in words an operator can act on.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Authority))
            yield return "no Authority (the agency's OpenID Connect provider, e.g. https://login.pfa.gob.ar/realms/command).";
        else if (!Uri.TryCreate(Authority, UriKind.Absolute, out var address) || address.Scheme is not ("https" or "http"))
            yield return $"the Authority '{Authority}' is not an http(s) address.";
        else if (address.Scheme == Uri.UriSchemeHttp && RequireHttpsMetadata)
            yield return $"the Authority '{Authority}' is plain HTTP; use HTTPS, or set RequireHttpsMetadata=false for a provider on a trusted network.";
        if (!Domain.OperationRules.IsValidId(Agency))
            yield return $"the Agency {(Agency is null ? "is missing" : $"'{Agency}' is not an agency id")} "
                + "(1-64 letters, digits, '_', '.' or '-', starting with a letter or digit, as the operations' agencies have).";
    }
}
