using System.Net;
using System.Text.Json;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Every refusal names each rule it broke by a stable code, with its field and the values its words need, so that a
/// page can say it in its user's language (web/i18n/); the English detail stays for API users and the CLI.
/// </summary>
[Collection(ServerCollection.Name)]
public class RuleCodeTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    private static async Task<JsonElement[]> Rules(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(document.RootElement.TryGetProperty("detail", out _), "the English detail is kept");
        return [.. document.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.Clone())];
    }

    [Fact]
    public async Task an_illegal_status_change_names_the_field_the_statuses_and_those_allowed_next()
    {
        var op = await Api.DefineOperation(Http);
        var refused = await Api.PostReport(Http, op, "AR-RAID-01", new { status = "OnSite" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var rule = Assert.Single(await Rules(refused));
        Assert.Equal("status", rule.GetProperty("field").GetString());
        Assert.Equal(RuleCodes.IllegalTransition, rule.GetProperty("code").GetString());
        var args = rule.GetProperty("args");
        Assert.Equal("Standby", args.GetProperty("from").GetString());
        Assert.Equal("OnSite", args.GetProperty("to").GetString());
        Assert.Equal("Briefed,Holding,Aborted", args.GetProperty("allowed").GetString());
    }

    [Fact]
    public async Task each_broken_field_carries_its_own_rule_and_limits()
    {
        var op = await Api.DefineOperation(Http);
        var refused = await Api.PostReport(Http, op, "AR-RAID-01",
            new { children = 5000, women = -1, note = new string('n', 1001), position = new { latitude = 91, longitude = 0 } }, Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var rules = (await Rules(refused)).ToDictionary(r => r.GetProperty("field").GetString()!);
        Assert.Equal(["children", "note", "position.latitude", "women"], rules.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(RuleCodes.CountRange, rules["children"].GetProperty("code").GetString());
        Assert.Equal("1000", rules["children"].GetProperty("args").GetProperty("max").GetString());
        Assert.Equal("0", rules["women"].GetProperty("args").GetProperty("min").GetString());
        Assert.Equal(RuleCodes.TooLong, rules["note"].GetProperty("code").GetString());
        Assert.Equal("1001", rules["note"].GetProperty("args").GetProperty("length").GetString());
        Assert.Equal(RuleCodes.LatitudeRange, rules["position.latitude"].GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_refusal_for_what_is_not_there_says_what_by_its_code()
    {
        var op = await Api.DefineOperation(Http);
        var refused = await Api.PostReport(Http, op, "XX-NONE-01", new { status = "Briefed" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var rule = Assert.Single(await Rules(refused));
        Assert.Equal(RuleCodes.TeamNotFound, rule.GetProperty("code").GetString());
        Assert.Equal("XX-NONE-01", rule.GetProperty("args").GetProperty("id").GetString());

        // An id that is not one is not repeated (it may hold anything).
        var hostile = await Api.PostReport(Http, op, "%3Cscript%3E", new { status = "Briefed" }, Api.NewKey());
        Assert.Equal(HttpStatusCode.NotFound, hostile.StatusCode);
        Assert.False(Assert.Single(await Rules(hostile)).GetProperty("args").TryGetProperty("id", out _));
        Assert.DoesNotContain("script", await hostile.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
