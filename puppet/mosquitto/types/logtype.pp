# @summary One of mosquitto's `log_type` values.
type Mosquitto::Logtype = Enum[
  'debug', 'error', 'warning', 'notice', 'information',
  'subscribe', 'unsubscribe', 'websockets', 'none', 'all',
]
