using System.Net.Http.Headers;
using System.Security.Cryptography;
using Liberterra.Command.Access;

namespace Liberterra.Command.Testing;

/// <summary>Credentials for tests, signed with this test run's own key (the server under test is given the same key).</summary>
public static class TestAuth
{
    public const string Issuer = "liberterra";
    public const string Audience = "liberterra-command";

    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    public static string KeyBase64 => Convert.ToBase64String(Key);

    public static readonly TokenIssuer Issuer_ = new(Issuer, Audience, Key);

    public static string Token(string role, params string[] teams) =>
        Issuer_.Issue($"test-{role}", role, teams, null, TimeSpan.FromHours(1));

    public static string Token(string role, string subject, string[] teams, string? operation = null, TimeSpan? lifetime = null, DateTimeOffset? now = null) =>
        Issuer_.Issue(subject, role, teams, operation, lifetime ?? TimeSpan.FromHours(1), now);

    /// <summary>A credential of <paramref name="role"/> acting for <paramref name="agency"/> (need-to-know).</summary>
    public static string AgencyToken(string role, string agency, string? subject = null) =>
        Issuer_.Issue(subject ?? $"test-{role}@{agency}", role, [], null, TimeSpan.FromHours(1), agency: agency);

    public static HttpClient Client(Uri address, string token)
    {
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Server arguments: this key, and rate limits high enough for load tests (a test of limits sets its own).</summary>
    public static string[] ServerArguments =>
        [$"--Auth:SigningKey={KeyBase64}", "--RateLimits:PermitsPerSecond=1000000", "--RateLimits:Burst=1000000"];
}
