using System.Security.Cryptography;
using Liberterra.Command.Access;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// A small OpenID Connect provider, as an agency runs one: Kestrel on a loopback port serving its discovery document
/// and the public half of its RSA key (a JWKS) over real HTTP, and minting RS256 tokens signed with the private half.
/// Its <see cref="Issuer"/> is its address, as the Authority a server is configured with.
/// </summary>
internal sealed class TestIssuer : IAsyncDisposable
{
    private const string JwksPath = "/jwks";

    private readonly WebApplication _app;
    private readonly RSA _rsa;
    private readonly RsaSecurityKey _key;

    private TestIssuer(WebApplication app, RSA rsa, RsaSecurityKey key)
    {
        _app = app;
        _rsa = rsa;
        _key = key;
        Issuer = app.Urls.First();
    }

    /// <summary>Its address, its tokens' <c>iss</c> and its discovery document's issuer.</summary>
    public string Issuer { get; }

    public static async Task<TestIssuer> StartAsync()
    {
        var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = Guid.NewGuid().ToString("N") };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        // The address is known once Kestrel listens: the documents read it per request.
        app.MapGet("/.well-known/openid-configuration", (HttpContext http) => Discovery(Origin(http)));
        app.MapGet(JwksPath, () => Jwks(key));
        await app.StartAsync();
        return new TestIssuer(app, rsa, key);
    }

    /// <summary>
    /// A token signed with this provider's key, for <c>liberterra-command</c> unless <paramref name="audience"/> says
    /// otherwise; <paramref name="issuer"/> claims another provider's <c>iss</c> instead of its own.
    /// </summary>
    public string Token(string subject, string role, string? agency = null, string? issuer = null, string audience = TestAuth.Audience)
    {
        var claims = new Dictionary<string, object> { [ClaimNames.Subject] = subject, [ClaimNames.Role] = role };
        if (agency is not null) claims[ClaimNames.Agency] = agency;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string Origin(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";

    // The metadata OpenID Connect Discovery requires; only the JWKS is served (nobody signs in here).
    private static Dictionary<string, object> Discovery(string issuer) => new()
    {
        ["issuer"] = issuer,
        ["jwks_uri"] = issuer + JwksPath,
        ["authorization_endpoint"] = issuer + "/authorize",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
    };

    private static Dictionary<string, object> Jwks(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new()
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
