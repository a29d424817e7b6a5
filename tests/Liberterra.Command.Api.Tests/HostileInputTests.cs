using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Access;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The API as an attacker or a careless client would try it, from tables: JSON syntax and types, numbers, text
/// encodings and control characters, ids and paths, idempotency keys, query parameters, credentials, headers and sizes.
/// Every case must get its exact status, a ProblemDetails with a stable code naming the field, the security headers,
/// and store nothing; at the end the totals equal the sum of the timeline, no key is stored twice, the audit chain
/// verifies, and no log line is an error or holds a note or a token. Over 400 lines on purpose: most of it is the
/// case tables (some 275 cases), which read best in one place.
/// </summary>
public sealed class when_hostile_requests_arrive : IAsyncLifetime, IDisposable
{
    private readonly CapturedLogs _logs = new();
    private InProcessServer _server = null!;
    private string _connectionString = null!;
    private string _op = null!;
    private long _otherTeamsReport;
    private long _ownReport;
    private const string Note = "hostile-suite-note-5f1c";

    /// <summary>One hostile request: what to send, and exactly what must come back.</summary>
    /// <remarks>
    /// <paramref name="Bare"/>: a request Kestrel itself refuses before any of the application runs (a NUL in the path
    /// is not HTTP): its bare 400 has no body and no headers of ours, and must echo nothing.
    /// </remarks>
    public sealed record Case(string Name, Func<Context, HttpRequestMessage> Build, HttpStatusCode Status, string? Field = null, string? Code = null,
        bool Bare = false);

    /// <summary>What a case may need to build its request.</summary>
    public sealed record Context(string Op, long OwnReport, long OtherTeamsReport, string Lead, string Admin);

    public async Task InitializeAsync()
    {
        _connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("hostile");
        _server = await InProcessServer.StartAsync(_connectionString, null, builder => builder.Logging.AddProvider(_logs));
        _op = await Api.DefineOperation(_server.Http);
        var lead = _server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01", "MK-RAID-01"));
        var own = await Api.PostReport(lead, _op, "AR-RAID-01", new { children = 3, women = 1, note = Note }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        _ownReport = JsonNode.Parse(await own.Content.ReadAsStringAsync())!["seq"]!.GetValue<long>();
        var other = await Api.PostReport(lead, _op, "MK-RAID-01", new { men = 2 }, Api.NewKey());
        _otherTeamsReport = JsonNode.Parse(await other.Content.ReadAsStringAsync())!["seq"]!.GetValue<long>();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    // ---- request builders ----

    private static HttpRequestMessage Json(HttpMethod method, string path, string? body, string? token, string? key = "auto",
        string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key == "auto" ? Guid.NewGuid().ToString() : key);
        return request;
    }

    private static HttpRequestMessage Bytes(string path, byte[] body, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
        return request;
    }

    private static Func<Context, HttpRequestMessage> Report(string body, string team = "AR-RAID-01") =>
        c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/{team}/reports", body, c.Lead);

    private static Func<Context, HttpRequestMessage> Correction(Func<Context, string> body) =>
        c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/corrections", body(c), c.Lead);

    private static Func<Context, HttpRequestMessage> Get(Func<Context, string> path) =>
        c => Json(HttpMethod.Get, path(c), null, c.Admin, key: null);

    private static Func<Context, HttpRequestMessage> WithToken(string token) =>
        c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{\"children\":1}", token);

    private static Func<Context, HttpRequestMessage> Issue(string body) =>
        c => Json(HttpMethod.Post, "/api/tokens", body, c.Admin, key: null);

    private static Func<Context, HttpRequestMessage> Define(Func<string, string> body) =>
        c => Json(HttpMethod.Put, $"/api/operations/{c.Op}-new", body(Valid(c.Op + "-new")), c.Admin, key: null);

    private static Func<Context, HttpRequestMessage> Mark(string body) =>
        c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/significant", body, c.Admin, key: null);

    private static string Valid(string id) => $$"""
        {"id":"{{id}}","name":"Hostile","windowStart":"2026-01-01T00:00:00Z","windowEnd":"2026-01-05T00:00:00Z",
         "regions":[{"id":"AR","name":"Argentina","countryCode":"AR","centroid":{"latitude":-34,"longitude":-64},"exploitationTypes":[]}],
         "teams":[{"id":"AR-1","kind":"RaidTeam","regionId":"AR","callSign":"Condor","agency":"Police"}]}
        """;

    /// <summary>A token signed with the server's key but with whatever claims a broken issuer might put in.</summary>
    private static string Signed(Dictionary<string, object> claims, DateTime? expires = null, DateTime? notBefore = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestAuth.Issuer,
            Audience = TestAuth.Audience,
            Claims = claims,
            NotBefore = notBefore ?? DateTime.UtcNow.AddMinutes(-1),
            Expires = expires ?? DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(TestAuth.Key), SecurityAlgorithms.HmacSha256),
        });

    private static string B64(string json) => Base64UrlEncoder.Encode(json);

    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload["role"] = Roles.Admin;
        return $"{parts[0]}.{B64(payload.ToJsonString())}.{parts[2]}";
    }

    // ---- the tables ----

    private static IEnumerable<Case> ReportBodies()
    {
        const HttpStatusCode bad = HttpStatusCode.BadRequest, invalid = HttpStatusCode.UnprocessableEntity;
        // JSON syntax
        foreach (var (name, body) in new[]
        {
            ("empty object brace", "{"), ("array", "[]"), ("null", "null"), ("string", "\"report\""), ("number", "1"),
            ("missing value", "{\"children\":}"), ("trailing comma", "{\"children\":1,}"), ("single quotes", "{'children':1}"),
            ("two documents", "{\"children\":1}{\"children\":2}"), ("leading zero", "{\"children\":01}"), ("NaN literal", "{\"children\":NaN}"),
            ("Infinity literal", "{\"children\":Infinity}"), ("comment", "{/* x */\"children\":1}"), ("unquoted key", "{children:1}"),
            ("empty body", ""), ("whitespace body", "   "), ("garbage", "<xml/>"), ("nested too deep", new string('[', 100) + new string(']', 100)),
            ("deep object", string.Concat(Enumerable.Repeat("{\"position\":", 70)) + "1" + new string('}', 70)),
            ("unterminated string", "{\"note\":\"abc}"), ("bad escape", "{\"note\":\"\\x41\"}"), ("raw control char in string", "{\"note\":\"a\u0001b\"}"),
        })
            yield return new Case($"report json: {name}", Report(body), bad, Code: "malformed-json");
        // Types and numbers
        foreach (var (name, body, field) in new[]
        {
            ("count as string", "{\"children\":\"1\"}", "children"), ("count fractional", "{\"children\":1.5}", "children"),
            ("count exponent", "{\"children\":1e3}", "children"), ("count boolean", "{\"children\":true}", "children"),
            ("count array", "{\"children\":[1]}", "children"), ("count object", "{\"women\":{}}", "women"),
            ("count over int", "{\"men\":2147483648}", "men"), ("count under int", "{\"arrested\":-2147483649}", "arrested"),
            ("count 1e309", "{\"children\":1e309}", "children"), ("count huge digits", "{\"children\":1" + new string('0', 5000) + "}", "children"),
            ("latitude as string", "{\"position\":{\"latitude\":\"1\",\"longitude\":1}}", "position.latitude"),
            ("position as array", "{\"position\":[1,2]}", "position"), ("status as number", "{\"status\":3}", "status"),
            ("types as string", "{\"exploitationTypes\":\"forced-labour\"}", "exploitationTypes"),
            ("type as number", "{\"exploitationTypes\":[1]}", "exploitationTypes[0]"), ("note as number", "{\"note\":123}", "note"),
            ("client time words", "{\"clientTime\":\"yesterday\"}", "clientTime"), ("client time month 13", "{\"clientTime\":\"2024-13-01T00:00:00Z\"}", "clientTime"),
            ("client time number", "{\"clientTime\":12345}", "clientTime"),
        })
            yield return new Case($"report type: {name}", Report(body), bad, field, "malformed-json");
        foreach (var (name, body) in new[]
        {
            ("unknown field", "{\"childern\":1}"), ("unknown nested field", "{\"position\":{\"latitude\":1,\"longitude\":1,\"alt\":3}}"),
            ("duplicate field", "{\"children\":1,\"children\":900}"), ("duplicate nested field", "{\"position\":{\"latitude\":1,\"latitude\":2,\"longitude\":1}}"),
            ("victim identity field", "{\"victimName\":\"x\"}"), ("lone high surrogate", "{\"note\":\"\\ud800\"}"), ("lone low surrogate", "{\"note\":\"\\udc00x\"}"),
            ("reversed pair", "{\"note\":\"\\udc00\\ud800\"}"), ("surrogate then letter", "{\"note\":\"\\ud800\\u0041\"}"),
        })
            yield return new Case($"report json: {name}", Report(body), bad, Code: "malformed-json");
        // Values out of range (422 naming the field)
        foreach (var (name, body, field) in new[]
        {
            ("latitude 1e309", "{\"position\":{\"latitude\":1e309,\"longitude\":1}}", "position.latitude"),
            ("latitude -1e309", "{\"position\":{\"latitude\":-1e309,\"longitude\":1}}", "position.latitude"),
            ("longitude 1e309", "{\"position\":{\"latitude\":1,\"longitude\":1e309}}", "position.longitude"),
            ("latitude 90.0001", "{\"position\":{\"latitude\":90.0001,\"longitude\":1}}", "position.latitude"),
            ("longitude -180.5", "{\"position\":{\"latitude\":1,\"longitude\":-180.5}}", "position.longitude"),
            ("latitude missing", "{\"position\":{\"longitude\":1}}", "position.latitude"),
            ("longitude null", "{\"position\":{\"latitude\":1,\"longitude\":null}}", "position.longitude"),
            ("status unknown", "{\"status\":\"Flying\"}", "status"), ("status empty", "{\"status\":\"\"}", "status"),
            ("type unknown", "{\"exploitationTypes\":[\"nope\"]}", "exploitationTypes[0]"), ("type null", "{\"exploitationTypes\":[null]}", "exploitationTypes[0]"),
            ("children -1", "{\"children\":-1}", "children"), ("women 1001", "{\"women\":1001}", "women"), ("men int max", "{\"men\":2147483647}", "men"),
            ("arrested int min", "{\"arrested\":-2147483648}", "arrested"),
            ("note 1001 chars", $"{{\"note\":\"{new string('n', 1001)}\"}}", "note"), ("note NUL", "{\"note\":\"a\\u0000b\"}", "note"),
            ("note bell", "{\"note\":\"a\\u0007b\"}", "note"), ("note escape", "{\"note\":\"\\u001b[31mred\"}", "note"), ("note DEL", "{\"note\":\"\\u007f\"}", "note"),
            ("note C1 next line", "{\"note\":\"a\\u0085b\"}", "note"), ("note vertical tab", "{\"note\":\"a\\u000bb\"}", "note"),
            ("client time far ahead", "{\"clientTime\":\"9999-12-31T23:59:59Z\"}", "clientTime"),
            ("client time year 1", "{\"clientTime\":\"0001-01-01T00:00:00Z\"}", "clientTime"),
            ("client time 60 days old", $"{{\"clientTime\":\"{DateTimeOffset.UtcNow.AddDays(-60):O}\"}}", "clientTime"),
            ("status illegal transition", "{\"status\":\"Completed\"}", "status"),
        })
            yield return new Case($"report value: {name}", Report(body), name.Contains("illegal") ? HttpStatusCode.Conflict : invalid, field,
                name.Contains("illegal") ? "illegal-transition" : "invalid");
        // Raw bytes that are not UTF-8
        foreach (var (name, bytes) in new[]
        {
            ("invalid UTF-8 byte", new byte[] { 0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d }),
            ("overlong UTF-8", new byte[] { 0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d }),
            ("UTF-8 surrogate bytes", new byte[] { 0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d }),
            ("truncated UTF-8", new byte[] { 0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d }),
            ("NUL byte raw", new byte[] { 0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d }),
            ("UTF-16 body", Encoding.Unicode.GetBytes("{\"children\":1}")),
        })
            yield return new Case($"report bytes: {name}", c => Bytes($"/api/operations/{c.Op}/teams/AR-RAID-01/reports", bytes, c.Lead),
                HttpStatusCode.BadRequest, Code: "malformed-json");
    }

    private static IEnumerable<Case> Corrections()
    {
        const HttpStatusCode invalid = HttpStatusCode.UnprocessableEntity;
        foreach (var (name, body, field) in new (string, Func<Context, string>, string)[]
        {
            ("corrects missing", _ => "{\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects 0", _ => "{\"corrects\":0,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects -1", _ => "{\"corrects\":-1,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects the definition", _ => "{\"corrects\":1,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects another team's report", c => $"{{\"corrects\":{c.OtherTeamsReport},\"children\":-1,\"reason\":\"x\"}}", "corrects"),
            ("corrects a future event", _ => "{\"corrects\":999999,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects long max", _ => $"{{\"corrects\":{long.MaxValue},\"children\":-1,\"reason\":\"x\"}}", "corrects"),
            ("reason missing", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1}}", "reason"),
            ("reason blank", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1,\"reason\":\"  \"}}", "reason"),
            ("reason NUL", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1,\"reason\":\"x\\u0000\"}}", "reason"),
            ("reason bell", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1,\"reason\":\"x\\u0007\"}}", "reason"),
            ("reason 501 chars", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1,\"reason\":\"{new string('r', 501)}\"}}", "reason"),
            ("zero delta", c => $"{{\"corrects\":{c.OwnReport},\"reason\":\"x\"}}", "children"),
            ("delta -1001", c => $"{{\"corrects\":{c.OwnReport},\"children\":-1001,\"reason\":\"x\"}}", "children"),
            ("below zero", c => $"{{\"corrects\":{c.OwnReport},\"women\":-2,\"reason\":\"x\"}}", "women"),
        })
            yield return new Case($"correction: {name}", Correction(body), invalid, field, "invalid");
        foreach (var (name, body, field) in new (string, string, string?)[]
        {
            ("corrects as string", "{\"corrects\":\"5\",\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects 1e309", "{\"corrects\":1e309,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("corrects fractional", "{\"corrects\":2.5,\"children\":-1,\"reason\":\"x\"}", "corrects"),
            ("unknown field", "{\"corrects\":2,\"childs\":-1,\"reason\":\"x\"}", null),
            ("duplicate field", "{\"corrects\":2,\"corrects\":3,\"children\":-1,\"reason\":\"x\"}", null),
        })
            yield return new Case($"correction json: {name}", Correction(_ => body), HttpStatusCode.BadRequest, field, "malformed-json");
    }

    private static IEnumerable<Case> KeysAndPaths()
    {
        foreach (var (name, key, code) in new (string, string?, string)[]
        {
            ("missing", null, "idempotency-key-required"), ("empty", "", "idempotency-key-required"), ("too short", "abc", "idempotency-key-malformed"),
            ("129 characters", new string('k', 129), "idempotency-key-malformed"), ("space inside", "key with spaces 1", "idempotency-key-malformed"),
            ("slash (system keys)", "system/define-00000001", "idempotency-key-malformed"), ("leading dash", "-12345678", "idempotency-key-malformed"),
            ("quotes", "\"12345678\"", "idempotency-key-malformed"), ("script", "<script>alert(1)</script>", "idempotency-key-malformed"),
            ("percent", "%00%00%00%00", "idempotency-key-malformed"),
        })
            yield return new Case($"key: {name}", c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{\"children\":1}", c.Lead, key),
                HttpStatusCode.BadRequest, "Idempotency-Key", code);
        foreach (var (name, op, team, status) in new (string, string?, string, HttpStatusCode)[]
        {
            ("unknown team", null, "ZZ-RAID-99", HttpStatusCode.Forbidden), ("team of another lead", null, "MK-RAID-02", HttpStatusCode.Forbidden),
            ("unknown operation", "no-such-operation", "AR-RAID-01", HttpStatusCode.NotFound),
            ("operation id dot dot", "..", "AR-RAID-01", HttpStatusCode.NotFound),
            ("operation id 65 chars", new string('o', 65), "AR-RAID-01", HttpStatusCode.NotFound), ("operation id unicode", "%D0%BE%D0%BF", "AR-RAID-01", HttpStatusCode.NotFound),
            ("operation id script", "%3Cscript%3E", "AR-RAID-01", HttpStatusCode.NotFound), ("operation id space", "a%20b", "AR-RAID-01", HttpStatusCode.NotFound),
        })
            yield return new Case($"path: {name}", c => Json(HttpMethod.Post, $"/api/operations/{op ?? c.Op}/teams/{team}/reports", "{\"children\":1}", c.Lead),
                status);
        yield return new Case("path: PUT with an invalid operation id", c => Json(HttpMethod.Put, "/api/operations/bad%20id", Valid("bad id"), c.Admin, key: null),
            HttpStatusCode.UnprocessableEntity, "operationId", "invalid");
        yield return new Case("path: operation id with NUL", c => Json(HttpMethod.Post, "/api/operations/op%00x/teams/AR-RAID-01/reports", "{\"children\":1}", c.Lead),
            HttpStatusCode.BadRequest, Bare: true);
        yield return new Case("path: GET team with NUL id", Get(c => $"/api/operations/{c.Op}/teams/a%00b"), HttpStatusCode.BadRequest, Bare: true);
        yield return new Case("path: GET team with a control character", Get(c => $"/api/operations/{c.Op}/teams/a%07b"), HttpStatusCode.NotFound, Code: "not-found");
        yield return new Case("path: GET region unknown", Get(c => $"/api/operations/{c.Op}/regions/ZZ"), HttpStatusCode.NotFound, Code: "not-found");
        yield return new Case("path: unknown route", Get(_ => "/api/nothing-here"), HttpStatusCode.NotFound, Code: "not-found");
        yield return new Case("method: DELETE an operation", c => Json(HttpMethod.Delete, $"/api/operations/{c.Op}", null, c.Admin, key: null),
            HttpStatusCode.MethodNotAllowed, Code: "method-not-allowed");
        yield return new Case("method: PATCH a report", c => Json(HttpMethod.Patch, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{}", c.Lead),
            HttpStatusCode.MethodNotAllowed, Code: "method-not-allowed");
    }

    private static IEnumerable<Case> QueryParameters()
    {
        var timeline = "/timeline";
        foreach (var (name, path, status, field) in new (string, string, HttpStatusCode, string)[]
        {
            ("timeline limit 0", $"{timeline}?limit=0", HttpStatusCode.UnprocessableEntity, "limit"),
            ("timeline limit 1001", $"{timeline}?limit=1001", HttpStatusCode.UnprocessableEntity, "limit"),
            ("timeline limit -1", $"{timeline}?limit=-1", HttpStatusCode.UnprocessableEntity, "limit"),
            ("timeline limit words", $"{timeline}?limit=many", HttpStatusCode.BadRequest, "limit"),
            ("timeline limit script", $"{timeline}?limit=%3Cscript%3Ealert(1)%3C/script%3E", HttpStatusCode.BadRequest, "limit"),
            ("timeline limit overflow", $"{timeline}?limit=99999999999", HttpStatusCode.BadRequest, "limit"),
            ("timeline after -1", $"{timeline}?after=-1", HttpStatusCode.UnprocessableEntity, "after"),
            ("timeline after words", $"{timeline}?after=x", HttpStatusCode.BadRequest, "after"),
            ("timeline from garbage", $"{timeline}?from=yesterday", HttpStatusCode.BadRequest, "from"),
            ("timeline to before from", $"{timeline}?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.UnprocessableEntity, "to"),
            ("timeline kind unknown", $"{timeline}?kind=Bogus", HttpStatusCode.UnprocessableEntity, "kind"),
            ("timeline team unknown", $"{timeline}?team=ZZ-1", HttpStatusCode.UnprocessableEntity, "team"),
            ("timeline region unknown", $"{timeline}?region=ZZ", HttpStatusCode.UnprocessableEntity, "region"),
            ("state neither", "/state", HttpStatusCode.UnprocessableEntity, "seq"),
            ("state both", "/state?seq=1&at=2026-01-01T00:00:00Z", HttpStatusCode.UnprocessableEntity, "seq"),
            ("state seq 0", "/state?seq=0", HttpStatusCode.UnprocessableEntity, "seq"),
            ("state seq -1", "/state?seq=-1", HttpStatusCode.UnprocessableEntity, "seq"),
            ("state seq after head", "/state?seq=99999", HttpStatusCode.UnprocessableEntity, "seq"),
            ("state seq words", "/state?seq=first", HttpStatusCode.BadRequest, "seq"),
            ("state at garbage", "/state?at=noon", HttpStatusCode.BadRequest, "at"),
            ("state at before the operation", "/state?at=1990-01-01T00:00:00Z", HttpStatusCode.UnprocessableEntity, "at"),
            ("histogram buckets 0", "/timeline/histogram?buckets=0", HttpStatusCode.UnprocessableEntity, "buckets"),
            ("histogram buckets 2001", "/timeline/histogram?buckets=2001", HttpStatusCode.UnprocessableEntity, "buckets"),
            ("histogram buckets words", "/timeline/histogram?buckets=all", HttpStatusCode.BadRequest, "buckets"),
            ("hotspots seq -1", "/export/hotspots.geojson?seq=-1", HttpStatusCode.UnprocessableEntity, "seq"),
            ("hotspots seq 0", "/export/hotspots.geojson?seq=0", HttpStatusCode.UnprocessableEntity, "seq"),
            ("hotspots seq after head", "/export/hotspots.geojson?seq=99999", HttpStatusCode.UnprocessableEntity, "seq"),
            ("hotspots seq words", "/export/hotspots.geojson?seq=last", HttpStatusCode.BadRequest, "seq"),
            ("ticker limit 0", "/ticker?limit=0", HttpStatusCode.UnprocessableEntity, "limit"),
            ("ticker limit 201", "/ticker?limit=201", HttpStatusCode.UnprocessableEntity, "limit"),
            ("ticker limit words", "/ticker?limit=ten", HttpStatusCode.BadRequest, "limit"),
            ("reports after -1", "/teams/AR-RAID-01/reports?after=-1", HttpStatusCode.UnprocessableEntity, "after"),
            ("team minSeq -1", "/teams/AR-RAID-01?minSeq=-1", HttpStatusCode.UnprocessableEntity, "minSeq"),
            ("team minSeq words", "/teams/AR-RAID-01?minSeq=latest", HttpStatusCode.BadRequest, "minSeq"),
            ("region minSeq -1", "/regions/AR?minSeq=-1", HttpStatusCode.UnprocessableEntity, "minSeq"),
            ("reports limit 0", "/teams/AR-RAID-01/reports?limit=0", HttpStatusCode.UnprocessableEntity, "limit"),
            ("reports limit 201", "/teams/AR-RAID-01/reports?limit=201", HttpStatusCode.UnprocessableEntity, "limit"),
            ("activity hours 0", "/activity?hours=0", HttpStatusCode.UnprocessableEntity, "hours"),
            ("activity hours 745", "/activity?hours=745", HttpStatusCode.UnprocessableEntity, "hours"),
            ("activity bucket 0", "/activity?bucketMinutes=0", HttpStatusCode.UnprocessableEntity, "bucketMinutes"),
            ("activity bucket not a divisor", "/activity?hours=1&bucketMinutes=7", HttpStatusCode.UnprocessableEntity, "bucketMinutes"),
            ("activity hours words", "/activity?hours=day", HttpStatusCode.BadRequest, "hours"),
            ("activity hours overflow", "/activity?hours=2147483648", HttpStatusCode.BadRequest, "hours"),
        })
            yield return new Case($"query: {name}", Get(c => $"/api/operations/{c.Op}{path}"), status, field,
                status == HttpStatusCode.BadRequest ? "bad-parameter" : "invalid");
    }

    private static IEnumerable<Case> Credentials()
    {
        var header = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var claims = B64($"{{\"sub\":\"x\",\"role\":\"admin\",\"iss\":\"{TestAuth.Issuer}\",\"aud\":\"{TestAuth.Audience}\",\"exp\":{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}");
        var lead = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        foreach (var (name, token) in new[]
        {
            ("alg none", $"{header}.{claims}."), ("alg none with signature", $"{header}.{claims}.AAAA"), ("garbage", "not-a-token"),
            ("three dots of nothing", ".."), ("tampered role claim", Tampered(lead)),
            ("expired", TestAuth.Token(Roles.TeamLead, "old-lead", ["AR-RAID-01"], null, TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow.AddHours(-3))),
            ("not valid yet", Signed(new() { ["sub"] = "future", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" }, DateTime.UtcNow.AddHours(3), DateTime.UtcNow.AddHours(2))),
            ("signed with another key", new TokenIssuer(TestAuth.Issuer, TestAuth.Audience, new byte[32]).Issue("x", Roles.Admin, [], null, TimeSpan.FromHours(1))),
            ("another issuer", new TokenIssuer("someone", TestAuth.Audience, TestAuth.Key).Issue("x", Roles.Admin, [], null, TimeSpan.FromHours(1))),
            ("another audience", new TokenIssuer(TestAuth.Issuer, "other", TestAuth.Key).Issue("x", Roles.Admin, [], null, TimeSpan.FromHours(1))),
            ("subject with NUL", Signed(new() { ["sub"] = "lead\u0000nul", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" })),
            ("subject with a line break", Signed(new() { ["sub"] = "lead\nforged log line", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" })),
            ("subject blank", Signed(new() { ["sub"] = " ", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" })),
            ("no subject", Signed(new() { ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" })),
            ("subject 201 chars", Signed(new() { ["sub"] = new string('s', 201), ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01" })),
            ("team claim not an id", Signed(new() { ["sub"] = "lead", ["role"] = Roles.TeamLead, ["team"] = "AR RAID\u0000" })),
            ("operation claim not an id", Signed(new() { ["sub"] = "lead", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01", ["op"] = "../x" })),
            ("oversized", Signed(new() { ["sub"] = "lead", ["role"] = Roles.TeamLead, ["team"] = "AR-RAID-01", ["pad"] = new string('p', 12000) }) + "x"),
        })
            yield return new Case($"credential: {name}", WithToken(token), HttpStatusCode.Unauthorized, Code: "unauthenticated");
        yield return new Case("credential: none", c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{}", null),
            HttpStatusCode.Unauthorized, Code: "unauthenticated");
        yield return new Case("credential: Basic scheme", c =>
        {
            var r = Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{}", null);
            r.Headers.Authorization = new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=");
            return r;
        }, HttpStatusCode.Unauthorized, Code: "unauthenticated");
        yield return new Case("credential: unknown role", WithToken(Signed(new() { ["sub"] = "x", ["role"] = "root" })), HttpStatusCode.Forbidden, Code: "forbidden");
        yield return new Case("credential: wall posts a report", WithToken(TestAuth.Token(Roles.Wall)), HttpStatusCode.Forbidden, Code: "forbidden");
        yield return new Case("credential: lead issues tokens", c => Json(HttpMethod.Post, "/api/tokens", "{\"subject\":\"x\",\"role\":\"admin\"}", c.Lead, key: null),
            HttpStatusCode.Forbidden, Code: "forbidden");
        yield return new Case("credential: lead reads the timeline", c => Json(HttpMethod.Get, $"/api/operations/{c.Op}/timeline", null, c.Lead, key: null),
            HttpStatusCode.Forbidden, Code: "forbidden");
    }

    private static IEnumerable<Case> Tokens()
    {
        foreach (var (name, body, field) in new[]
        {
            ("ttl 1e8d", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"1e8d\"}", "ttl"), ("ttl 100000000d", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"100000000d\"}", "ttl"),
            ("ttl 0h", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"0h\"}", "ttl"), ("ttl -1h", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"-1h\"}", "ttl"),
            ("ttl 31d", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"31d\"}", "ttl"), ("ttl 12x", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"12x\"}", "ttl"),
            ("ttl h", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"h\"}", "ttl"), ("ttl NaNh", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"NaNh\"}", "ttl"),
            ("ttl Infinityd", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"Infinityd\"}", "ttl"), ("ttl 0.1s", "{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":\"0.1s\"}", "ttl"),
            ("subject NUL", "{\"subject\":\"a\\u0000b\",\"role\":\"wall\"}", "subject"), ("subject line break", "{\"subject\":\"a\\nb\",\"role\":\"wall\"}", "subject"),
            ("subject bell", "{\"subject\":\"a\\u0007\",\"role\":\"wall\"}", "subject"), ("subject empty", "{\"subject\":\"\",\"role\":\"wall\"}", "subject"),
            ("subject 201 chars", $"{{\"subject\":\"{new string('s', 201)}\",\"role\":\"wall\"}}", "subject"),
            ("role unknown", "{\"subject\":\"a\",\"role\":\"root\"}", "role"), ("lead without team", "{\"subject\":\"a\",\"role\":\"team-lead\"}", "teams"),
            ("team not an id", "{\"subject\":\"a\",\"role\":\"team-lead\",\"teams\":[\"AR RAID\"]}", "teams"),
            ("team NUL", "{\"subject\":\"a\",\"role\":\"team-lead\",\"teams\":[\"AR\\u0000\"]}", "teams"),
            ("operation not an id", "{\"subject\":\"a\",\"role\":\"wall\",\"operation\":\"../etc\"}", "operation"),
        })
            yield return new Case($"token issue: {name}", Issue(body), HttpStatusCode.UnprocessableEntity, field, "invalid");
        yield return new Case("token issue: unknown field", Issue("{\"subject\":\"a\",\"role\":\"wall\",\"admin\":true}"), HttpStatusCode.BadRequest, Code: "malformed-json");
        yield return new Case("token issue: duplicate role", Issue("{\"subject\":\"a\",\"role\":\"wall\",\"role\":\"admin\"}"), HttpStatusCode.BadRequest, Code: "malformed-json");
        yield return new Case("token issue: ttl as number", Issue("{\"subject\":\"a\",\"role\":\"wall\",\"ttl\":12}"), HttpStatusCode.BadRequest, "ttl", "malformed-json");
    }

    private static IEnumerable<Case> Definitions()
    {
        const HttpStatusCode invalid = HttpStatusCode.UnprocessableEntity;
        foreach (var (name, change, field) in new (string, Func<string, string>, string)[]
        {
            ("name NUL", d => d.Replace("\"Hostile\"", "\"Hos\\u0000tile\""), "name"), ("name line break", d => d.Replace("\"Hostile\"", "\"Hos\\ntile\""), "name"),
            ("name blank", d => d.Replace("\"Hostile\"", "\" \""), "name"), ("name 201 chars", d => d.Replace("\"Hostile\"", $"\"{new string('h', 201)}\""), "name"),
            ("region name bell", d => d.Replace("\"Argentina\"", "\"Arg\\u0007\""), "regions[0].name"),
            ("call sign NUL", d => d.Replace("\"Condor\"", "\"Con\\u0000dor\""), "teams[0].callSign"),
            ("agency escape", d => d.Replace("\"Police\"", "\"\\u001bPolice\""), "teams[0].agency"),
            ("country code lower case", d => d.Replace("\"countryCode\":\"AR\"", "\"countryCode\":\"ar\""), "regions[0].countryCode"),
            ("centroid 1e309", d => d.Replace("\"latitude\":-34", "\"latitude\":1e309"), "regions[0].centroid.latitude"),
            ("centroid missing", d => d.Replace(",\"centroid\":{\"latitude\":-34,\"longitude\":-64}", ""), "regions[0].centroid"),
            ("window reversed", d => d.Replace("2026-01-05", "2025-12-01"), "windowEnd"), ("window two years", d => d.Replace("2026-01-05", "2028-01-05"), "windowEnd"),
            ("window start missing", d => d.Replace("\"windowStart\":\"2026-01-01T00:00:00Z\",", ""), "windowStart"),
            ("region null", d => d.Replace("\"regions\":[", "\"regions\":[null,"), "regions[0]"),
            ("team region unknown", d => d.Replace("\"regionId\":\"AR\"", "\"regionId\":\"ZZ\""), "teams[0].regionId"),
            ("team kind unknown", d => d.Replace("\"RaidTeam\"", "\"Submarine\""), "teams[0].kind"),
            ("team id invalid", d => d.Replace("\"AR-1\"", "\"AR 1\""), "teams[0].id"),
            ("duplicate region id", d => d.Replace("\"regions\":[", "\"regions\":[{\"id\":\"AR\",\"name\":\"Twice\",\"centroid\":{\"latitude\":1,\"longitude\":1}},"), "regions[1].id"),
            ("id differs from the path", d => d.Replace("\"id\":\"", "\"id\":\"other-"), "id"),
            ("1001 regions", d => d.Replace("\"regions\":[", "\"regions\":[" + string.Concat(Enumerable.Repeat("{},", 1001))), "regions"),
        })
            yield return new Case($"definition: {name}", Define(change), invalid, field, "invalid");
        yield return new Case("definition: unknown field", Define(d => d.Replace("\"name\":", "\"owner\":\"x\",\"name\":")), HttpStatusCode.BadRequest, Code: "malformed-json");
        yield return new Case("definition: duplicate name", Define(d => d.Replace("\"name\":\"Hostile\"", "\"name\":\"A\",\"name\":\"B\"")), HttpStatusCode.BadRequest, Code: "malformed-json");
        yield return new Case("definition: exercise as string", Define(d => d.Replace("\"name\":", "\"exercise\":\"yes\",\"name\":")), HttpStatusCode.BadRequest, "exercise", "malformed-json");
    }

    private static IEnumerable<Case> Marks()
    {
        foreach (var (name, body, field) in new[]
        {
            ("title NUL", "{\"seq\":2,\"title\":\"a\\u0000b\"}", "title"), ("title bell", "{\"seq\":2,\"title\":\"a\\u0007b\"}", "title"),
            ("title line break", "{\"seq\":2,\"title\":\"a\\nb\"}", "title"), ("title empty", "{\"seq\":2,\"title\":\"\"}", "title"),
            ("title missing", "{\"seq\":2}", "title"), ("title 201 chars", $"{{\"seq\":2,\"title\":\"{new string('t', 201)}\"}}", "title"),
            ("seq 0", "{\"seq\":0,\"title\":\"x\"}", "seq"), ("seq -1", "{\"seq\":-1,\"title\":\"x\"}", "seq"), ("seq after head", "{\"seq\":99999,\"title\":\"x\"}", "seq"),
            ("seq missing", "{\"title\":\"x\"}", "seq"),
        })
            yield return new Case($"mark: {name}", Mark(body), HttpStatusCode.UnprocessableEntity, field, "invalid");
        yield return new Case("mark: seq as string", Mark("{\"seq\":\"2\",\"title\":\"x\"}"), HttpStatusCode.BadRequest, "seq", "malformed-json");
        yield return new Case("mark: withdraw one never marked", c => Json(HttpMethod.Delete, $"/api/operations/{c.Op}/significant/2", null, c.Admin, key: null),
            HttpStatusCode.NotFound, Code: "not-found");
    }

    private static IEnumerable<Case> HeadersAndSizes()
    {
        foreach (var (name, type) in new[] { ("text/plain", "text/plain"), ("xml", "application/xml"), ("form", "application/x-www-form-urlencoded"), ("multipart", "multipart/form-data") })
            yield return new Case($"content type: {name}", c => Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", "{\"children\":1}", c.Lead, contentType: type),
                HttpStatusCode.UnsupportedMediaType, "Content-Type", "unsupported-media-type");
        yield return new Case("content type: none", c =>
        {
            var r = Json(HttpMethod.Post, $"/api/operations/{c.Op}/teams/AR-RAID-01/reports", null, c.Lead);
            r.Content = new ByteArrayContent("{\"children\":1}"u8.ToArray());
            return r;
        }, HttpStatusCode.UnsupportedMediaType, "Content-Type", "unsupported-media-type");
        yield return new Case("size: report of 17 KiB", Report($"{{\"note\":\"{new string('n', 17 * 1024)}\"}}"), HttpStatusCode.RequestEntityTooLarge, Code: "body-too-large");
        yield return new Case("size: token request of 65 KiB", Issue($"{{\"subject\":\"{new string('s', 65 * 1024)}\"}}"), HttpStatusCode.RequestEntityTooLarge, Code: "body-too-large");
        yield return new Case("size: definition of 9 MiB", Define(_ => $"{{\"name\":\"{new string('d', 9 * 1024 * 1024)}\"}}"), HttpStatusCode.RequestEntityTooLarge, Code: "body-too-large");
    }

    public static IEnumerable<Case> All() =>
        ReportBodies().Concat(Corrections()).Concat(KeysAndPaths()).Concat(QueryParameters()).Concat(Credentials())
            .Concat(Tokens()).Concat(Definitions()).Concat(Marks()).Concat(HeadersAndSizes());

    [Fact]
    public async Task every_hostile_request_is_refused_cleanly_and_nothing_is_stored()
    {
        var cases = All().ToList();
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        var context = new Context(_op, _ownReport, _otherTeamsReport, TestAuth.Token(Roles.TeamLead, "lead-hostile", ["AR-RAID-01"]), TestAuth.Token(Roles.Admin));
        var before = await Api.Operation(_server.Http, _op);
        using var http = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var request = c.Build(context);
            if (request.Content is { } content && (content.Headers.ContentLength ?? 0) > 8192) request.Headers.ExpectContinue = true;
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var problems = Check(c, response, body);
            if (problems.Count > 0) failures.Add($"{c.Name}: {string.Join("; ", problems)} — {(int)response.StatusCode} {Excerpt(body)}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n" + string.Join("\n", failures));
        await AssertNothingStoredAndAllIntact(before);
    }

    [Fact]
    public async Task every_hostile_hub_invocation_gets_a_clear_refusal_logged_as_one_warning()
    {
        var admin = TestAuth.Token(Roles.Admin);
        await using var live = await Hubs.Connect(_server.Address, admin);
        await using var replay = await Hubs.Connect(_server.Address, admin, Contracts.ReplayMessages.Path);
        await using var wall = await Hubs.Connect(_server.Address, TestAuth.Token(Roles.Wall), Contracts.ReplayMessages.Path);
        var cases = new (string Name, Func<Task> Call, string Says)[]
        {
            ("join null", () => live.InvokeAsync<Contracts.OperationView>("JoinOperation", (string?)null), "may not watch"),
            ("join an invalid id", () => live.InvokeAsync<Contracts.OperationView>("JoinOperation", "bad id\u0000"), "may not watch"),
            ("join an unknown operation", () => live.InvokeAsync<Contracts.OperationView>("JoinOperation", "no-such-operation"), "No operation"),
            ("head null", () => live.InvokeAsync<long>("Head", (string?)null), "may not watch"),
            ("leave null", () => live.InvokeAsync("LeaveOperation", (string?)null), "operationId"),
            ("a method that does not exist", () => live.InvokeAsync("DropTables", "x"), "DropTables"),
            ("join with two arguments", () => live.InvokeAsync<Contracts.OperationView>("JoinOperation", "a", "b"), "JoinOperation"),
            ("join with a number", () => live.InvokeAsync<Contracts.OperationView>("JoinOperation", 42), "JoinOperation"),
            ("start null", () => replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay", (object?)null), "may not replay"),
            ("start at speed 0", () => replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay", new Contracts.ReplayRequest(_op, null, null, 0)), "speed"),
            ("start at speed 100000", () => replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay", new Contracts.ReplayRequest(_op, null, null, 100000)), "speed"),
            ("start with to before from", () => replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay",
                new Contracts.ReplayRequest(_op, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(-1), 60)), "to"),
            ("start an unknown operation", () => replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay", new Contracts.ReplayRequest("no-such-op", null, null, 60)), "No operation"),
            ("control null", () => replay.InvokeAsync<Contracts.ReplayStatus>("ControlReplay", (object?)null), "control"),
            ("control without replayId", () => replay.InvokeAsync<Contracts.ReplayStatus>("ControlReplay", new { action = "pause" }), "replayId"),
            ("control an unknown replay", () => replay.InvokeAsync<Contracts.ReplayStatus>("ControlReplay", new Contracts.ReplayControl("nope", "pause")), "No such replay"),
            ("control without action", () => replay.InvokeAsync<Contracts.ReplayStatus>("ControlReplay", new { replayId = "nope" }), "action"),
            ("a wall starts a replay", () => wall.InvokeAsync<Contracts.ReplayStarted>("StartReplay", new Contracts.ReplayRequest(_op, null, null, 60)), "may not do this"),
        };
        var failures = new List<string>();
        foreach (var (name, call, says) in cases)
        {
            var error = await Record.ExceptionAsync(call);
            if (error is not Microsoft.AspNetCore.SignalR.HubException hub) failures.Add($"{name}: {error?.GetType().Name ?? "accepted"} {error?.Message}");
            // (In Development SignalR prefixes the refusal with its generic sentence and "HubException:"; a fault names another type.)
            else if ((hub.Message.Contains("unexpected error", StringComparison.OrdinalIgnoreCase) && !hub.Message.Contains("HubException:", StringComparison.Ordinal))
                     || !hub.Message.Contains(says, StringComparison.Ordinal))
                failures.Add($"{name}: '{hub.Message}' does not say '{says}'");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The earliest instant there is means "from the beginning", not an overflow.
        var started = await replay.InvokeAsync<Contracts.ReplayStarted>("StartReplay", new Contracts.ReplayRequest(_op, DateTimeOffset.MinValue, null, 60));
        Assert.Equal(2, started.FirstSeq);
        // The connections are still usable, and a refusal was one warning line each, never an error.
        Assert.Equal(_ownReport + 1, await live.InvokeAsync<long>("Head", _op));
        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, "error lines in the log:\n" + string.Join("\n", errors.Take(5)));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Hub ControlReplay refused", StringComparison.Ordinal));
    }

    private static List<string> Check(Case c, HttpResponseMessage response, string body)
    {
        var problems = new List<string>();
        if (response.StatusCode != c.Status) problems.Add($"status {(int)response.StatusCode}, expected {(int)c.Status}");
        if (c.Bare)
        {
            if (body.Length > 0) problems.Add("Kestrel's refusal has a body");
            return problems;
        }

        foreach (var header in new[] { "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy" })
            if (!response.Headers.Contains(header)) problems.Add($"no {header}");
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            problems.Add($"not a ProblemDetails ({response.Content.Headers.ContentType})");
            return problems;
        }

        JsonObject problem;
        try
        {
            problem = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException)
        {
            problems.Add("ProblemDetails is not JSON");
            return problems;
        }

        var code = problem["code"]?.GetValue<string>();
        if (string.IsNullOrEmpty(code)) problems.Add("no code");
        else if (c.Code is not null && code != c.Code) problems.Add($"code {code}, expected {c.Code}");
        if (c.Field is not null && !Api.ErrorFields(problem).Contains(c.Field))
            problems.Add($"errors name [{string.Join(", ", Api.ErrorFields(problem))}], not {c.Field}");
        if (body.Contains("<script", StringComparison.OrdinalIgnoreCase)) problems.Add("echoes <script>");
        if (body.Length > 4096) problems.Add($"a refusal of {body.Length} bytes");
        if (problem["status"]?.GetValue<int>() != (int)response.StatusCode) problems.Add("status member differs from the status");
        return problems;
    }

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";

    private async Task AssertNothingStoredAndAllIntact(Contracts.OperationView before)
    {
        var after = await Api.Operation(_server.Http, _op);
        Assert.Equal(before.LastSeq, after.LastSeq);
        Assert.Equal(before.Totals, after.Totals);
        await using var db = NpgsqlDataSource.Create(_connectionString);
        // Nothing of the hostile requests in the timeline: only the set-up (definition and two reports) and the new op's nothing.
        await using (var cmd = db.CreateCommand("SELECT count(*) FROM timeline_events WHERE operation_id <> $1"))
        {
            cmd.Parameters.AddWithValue(_op);
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        }

        await using (var cmd = db.CreateCommand("""
            SELECT coalesce(sum((payload #>> '{report,counts,children}')::int), 0) + coalesce(sum((payload #>> '{correction,delta,children}')::int), 0),
                   coalesce(sum((payload #>> '{report,counts,men}')::int), 0) + coalesce(sum((payload #>> '{correction,delta,men}')::int), 0),
                   count(*), count(DISTINCT idempotency_key)
            FROM timeline_events WHERE operation_id = $1
            """))
        {
            cmd.Parameters.AddWithValue(_op);
            await using var reader = await cmd.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(after.Totals.Children, reader.GetInt64(0));
            Assert.Equal(after.Totals.Men, reader.GetInt64(1));
            Assert.Equal(after.LastSeq, reader.GetInt64(2));
            Assert.Equal(reader.GetInt64(2), reader.GetInt64(3));
        }

        // The audit trail took every refusal (written a few milliseconds after each answer) and its chain holds.
        var audit = new AuditLog(db);
        await Wait.Until(() => audit.VerifyAsync(), v => v.Entries > 150, TimeSpan.FromSeconds(15), "the audit entries of the hostile requests");
        var verification = await audit.VerifyAsync();
        Assert.True(verification.Intact, verification.Message);

        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, "error lines in the log:\n" + string.Join("\n", errors.Take(5)));
        var text = _logs.Text;
        Assert.DoesNotContain(Note, text);
        Assert.DoesNotContain("eyJ", text);
    }
}
