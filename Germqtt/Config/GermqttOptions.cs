namespace Germqtt.Config;

/// <summary>The whole configuration, validated once by <see cref="OptionsLoader"/>.</summary>
public sealed record GermqttOptions(DefaultOptions Default, GerritOptions Gerrit, MqttOptions Mqtt, FilterOptions Filter);
