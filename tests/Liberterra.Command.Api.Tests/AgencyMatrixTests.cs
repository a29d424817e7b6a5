using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The authorization matrix's agency dimension: every route the app maps and every hub method, against every role that
/// can act for an agency, for an agency's credential and a coordinator's, on a team of its own, another agency's shared
/// in full, in summary, and counts only. A route is generated from the app (a new one is covered without a change here);
/// what each cell must answer is the need-to-know rule of docs/security.md: own teams directed, others' shared teams
/// read but not directed, a counts-only team answered exactly like one that does not exist.
/// </summary>
[Collection(ServerCollection.Name)]
public class AgencyMatrixTests(ServerFixture server)
{
    private enum Expect { Allowed, Forbidden, Hidden }

    // A (the caller's agency) owns A-1; B shares full with everyone; D shares summary; C counts only. CC coordinates.
    private static readonly (string Team, string Level)[] Targets = [("A-1", "own"), ("B-1", "full"), ("D-1", "summary"), ("C-1", "counts only")];

    private sealed record Fixture(string Op, Dictionary<string, long> Order, Dictionary<string, long> Distress, Dictionary<string, long> Report,
        Dictionary<string, string> Device);

    [Fact]
    public async Task every_route_by_role_agency_and_sharing_level_is_allowed_refused_or_hidden_as_documented()
    {
        var f = await Prepare();
        var routes = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Where(r => !r.Pattern.StartsWith("/dashboard/", StringComparison.Ordinal) || r.Pattern == "/dashboard/")   // one of the dashboard's files is enough
            .Distinct().ToList();
        Assert.Contains(routes, r => r.Pattern.Contains("{teamId}", StringComparison.Ordinal));

        var failures = new List<string>();
        var cells = 0;
        foreach (var (method, pattern) in routes)
            foreach (var role in Roles.AgencyRoles)
                foreach (var agency in new[] { "A", "CC" })
                    foreach (var (team, level) in TeamScoped(method, pattern) ? Targets : [("A-1", "own")])
                    {
                        cells++;
                        var expected = Expected(method, pattern, role, agency, level);
                        // Each cell finds what it acts on: a mark withdrawn by the cell before is put back.
                        if (method == "DELETE" && pattern.Contains("/significant/", StringComparison.Ordinal))
                            (await Api.PostRaw(server.Http, $"/api/operations/{f.Op}/significant", $$"""{"seq":{{f.Report[team]}},"title":"mark"}""", null)).Dispose();
                        using var http = server.Server.Client(TestAuth.AgencyToken(role, agency));
                        using var response = await http.SendAsync(Request(method, pattern, f, team), HttpCompletionOption.ResponseHeadersRead);
                        var status = (int)response.StatusCode;
                        var code = status >= 400 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                            ? (await Api.Problem(response))["rules"]?[0]?["code"]?.ToString() : null;
                        var got = status == 403 ? Expect.Forbidden
                            : status is 404 or 422 && code is "team-not-found" or "unknown-team" or "order-not-found" or "distress-not-found" or "mark-not-found" or "device-not-found" ? Expect.Hidden
                            : status == 401 ? (Expect)(-1) : Expect.Allowed;
                        if (got != expected) failures.Add($"{role}@{agency} {method} {pattern} on {team} ({level}): {status} {code}, expected {expected}");
                    }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public async Task every_hub_method_by_role_agency_and_sharing_level_answers_as_documented()
    {
        var f = await Prepare();
        var failures = new List<string>();
        foreach (var role in Roles.AgencyRoles)
            foreach (var agency in new[] { "A", "CC" })
            {
                var token = TestAuth.AgencyToken(role, agency);
                await using (var hub = await Hubs.Connect(server.Server.Address, token))
                    foreach (var (method, roles) in AuthorizationMatrixTests.DocumentedHubMethods)
                    {
                        var refused = await Record.ExceptionAsync(() => hub.InvokeAsync(method, f.Op));
                        if (roles.Contains(role) != refused is null) failures.Add($"{role}@{agency} {method}: {refused?.Message ?? "allowed"}");
                    }

                await using var field = await Hubs.Connect(server.Server.Address, token, FieldMessages.Path);
                var missing = (await Record.ExceptionAsync(() => field.InvokeAsync<TeamOrdersView>("JoinTeam", f.Op, "Z-9")))?.Message;
                foreach (var (team, level) in Targets)
                {
                    var refused = (await Record.ExceptionAsync(() => field.InvokeAsync<TeamOrdersView>("JoinTeam", f.Op, team)))?.Message;
                    var expected = agency == "CC" || level is "own" or "full" ? Expect.Allowed : level == "summary" ? Expect.Forbidden : Expect.Hidden;
                    var ok = expected switch
                    {
                        Expect.Allowed => refused is null,
                        Expect.Forbidden => refused?.Contains("may not follow", StringComparison.Ordinal) == true,
                        _ => refused is not null && refused.Replace(team, "{id}", StringComparison.Ordinal) == missing!.Replace("Z-9", "{id}", StringComparison.Ordinal),
                    };
                    if (!ok) failures.Add($"{role}@{agency} JoinTeam {team} ({level}): {refused ?? "allowed"}, expected {expected}");
                }
            }

        Assert.Empty(failures);
    }

    // Routes that act on one team: in the path, or named in the body or by the order, distress call or event they take.
    private static bool TeamScoped(string method, string pattern) =>
        pattern.Contains("{teamId}", StringComparison.Ordinal) || pattern.Contains("{orderSeq", StringComparison.Ordinal)
        || pattern.Contains("{distressSeq", StringComparison.Ordinal) || pattern.EndsWith("/significant/{seq:long}", StringComparison.Ordinal)
        || pattern.Contains("{serial}", StringComparison.Ordinal)
        || (method == "POST" && (pattern.EndsWith("/orders", StringComparison.Ordinal) || pattern.EndsWith("/significant/", StringComparison.Ordinal)
                                 || pattern.EndsWith("/tak/devices/", StringComparison.Ordinal)))
        || (method == "PUT" && pattern == "/api/operations/{operationId}");

    private static Expect Expected(string method, string pattern, string role, string agency, string level)
    {
        if (!AuthorizationMatrixTests.Documented[$"{method} {pattern}"].Contains(role)) return Expect.Forbidden;
        if (agency == "CC" || !TeamScoped(method, pattern) || level == "own") return Expect.Allowed;
        if (method == "GET") return level == "counts only" && !pattern.EndsWith("/operation", StringComparison.Ordinal) ? Expect.Hidden : Expect.Allowed;
        return (method, pattern) switch
        {
            ("POST", var p) when p.EndsWith("/orders", StringComparison.Ordinal) || p.EndsWith("/tak/devices/", StringComparison.Ordinal)
                => level == "counts only" ? Expect.Hidden : Expect.Forbidden,
            // Another agency's team's device is not there for it, whatever it sees of the team.
            ("POST", var p) when p.EndsWith("/revoke", StringComparison.Ordinal) => Expect.Hidden,
            // An order to one team is seen by the agencies that see that team in full: to the others it is not there.
            ("POST", var p) when p.EndsWith("/cancel", StringComparison.Ordinal) => level == "full" ? Expect.Forbidden : Expect.Hidden,
            ("POST", var p) when p.EndsWith("/take", StringComparison.Ordinal) => level == "counts only" ? Expect.Hidden : Expect.Forbidden,
            ("DELETE", _) => level == "counts only" ? Expect.Hidden : Expect.Forbidden,
            _ => Expect.Forbidden,                                          // definition changes and marks: own teams only
        };
    }

    private async Task<Fixture> Prepare()
    {
        var op = $"ntkm-{Guid.NewGuid():N}"[..20];
        using (var put = await server.Http.PutAsync($"/api/operations/{op}", new StringContent(AgencyScopeTests.Definition(op), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var f = new Fixture(op, [], [], [], []);
        foreach (var (team, _) in Targets)
        {
            using var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, [team]));
            f.Report[team] = await Seq(Api.PostReport(lead, op, team, new { children = 1 }, Api.NewKey()));
            f.Distress[team] = await Seq(Api.PostRaw(lead, $"/api/operations/{op}/teams/{team}/distress", "{}", Api.NewKey()));
            f.Order[team] = await Seq(Api.PostRaw(server.Http, $"/api/operations/{op}/orders", $$"""{"kind":"Hold","text":"matrix","teamId":"{{team}}"}""", Api.NewKey()));
            Assert.Equal(HttpStatusCode.Created, (await Api.PostRaw(server.Http, $"/api/operations/{op}/significant", $$"""{"seq":{{f.Report[team]}},"title":"mark"}""", null)).StatusCode);
            using var enrolled = await Api.PostRaw(server.Http, $"/api/operations/{op}/tak/devices", $$"""{"teamId":"{{team}}","device":"matrix phone"}""", null);
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            f.Device[team] = enrolled.Headers.GetValues(Server.Api.TakApi.SerialHeader).Single();
        }

        return f;
    }

    private static async Task<long> Seq(Task<HttpResponseMessage> post)
    {
        using var response = await post;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["seq"]!.GetValue<long>();
    }

    private static HttpRequestMessage Request(string method, string pattern, Fixture f, string team)
    {
        if (method == "*") method = "GET";
        var path = pattern.Replace("{operationId}", f.Op).Replace("{operationId?}", f.Op).Replace("{teamId}", team).Replace("{regionId}", "R1")
            .Replace("{orderSeq:long}", f.Order[team].ToString()).Replace("{distressSeq:long}", f.Distress[team].ToString())
            .Replace("{seq:long}", f.Report[team].ToString()).Replace("{serial}", f.Device[team]).Replace("{documentName}", "v1") + (pattern.EndsWith("/state", StringComparison.Ordinal) ? "?seq=1" : "");
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}:]+:int\}", "1");
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\*{1,2}[^}]+\}", "x");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var body = (method, pattern) switch
        {
            ("PUT", _) => Renamed(f.Op, team),
            ("POST", var p) when p.EndsWith("/reports", StringComparison.Ordinal) => """{"children":1}""",
            ("POST", var p) when p.EndsWith("/corrections", StringComparison.Ordinal) => $$"""{"corrects":{{f.Report[team]}},"children":1,"reason":"matrix"}""",
            ("POST", var p) when p.EndsWith("/orders", StringComparison.Ordinal) => $$"""{"kind":"Hold","text":"matrix","teamId":"{{team}}"}""",
            ("POST", var p) when p.EndsWith("/answer", StringComparison.Ordinal) => """{"answer":"Acknowledged"}""",
            ("POST", "/api/tokens") => """{"subject":"someone","role":"wall","ttl":"1h"}""",
            ("POST", var p) when p.EndsWith("/significant/", StringComparison.Ordinal) => $$"""{"seq":{{f.Report[team]}},"title":"matrix"}""",
            ("POST", var p) when p.EndsWith("/tak/devices/", StringComparison.Ordinal) => $$"""{"teamId":"{{team}}","device":"matrix phone"}""",
            _ => null,
        };
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    // The definition with one team's call sign changed: a change to that team.
    private static string Renamed(string op, string team)
    {
        var definition = JsonNode.Parse(AgencyScopeTests.Definition(op))!.AsObject();
        foreach (var t in definition["teams"]!.AsArray())
            if (t!["id"]!.ToString() == team) t["callSign"] = $"Renamed {Guid.NewGuid():N}"[..16];
        return definition.ToJsonString();
    }
}
