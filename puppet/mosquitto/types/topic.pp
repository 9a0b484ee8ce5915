# @summary An MQTT topic filter for an ACL line: one line, no surrounding blanks; `+` and `#` wildcards allowed.
type Mosquitto::Topic = Pattern[/\A\S(?:[^\r\n]*\S)?\z/]
