# @summary germqtt's base topic: no MQTT wildcards (`+`, `#`) and no trailing `/`.
type Germqtt::Topic = Pattern[/\A[^+#\s](?:[^+#\r\n]*[^+#\/\s])?\z/]
