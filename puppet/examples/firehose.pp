# A Gerrit event firehose on one bare Debian 12 host: a Mosquitto broker that anyone may read,
# and germqtt publishing every Gerrit event to it as gerrit/<project>/<type>.
#
#   apt-get install puppet puppet-module-puppetlabs-stdlib
#   puppet apply --modulepath=/path/to/germqtt/puppet:/usr/share/puppet/modules firehose.pp
#
# Replace every CHANGE-ME below. Keep the real secrets out of version control: in Hiera (eyaml),
# or read from root-only files as shown with file().
#
# The Gerrit account: create a dedicated, non-administrator account that has only the global
# "Stream Events" capability and read access to public projects only. Everything that account
# can see is published to a broker anyone may subscribe to.

# The one password the broker and germqtt share.
$mqtt_password = Sensitive('CHANGE-ME: a long random password')

class { 'mosquitto':
  # Only germqtt may publish, and only under gerrit/; anonymous clients may read everything.
  publishers      => {
    'germqtt' => {
      'password' => $mqtt_password,
      'topics'   => ['gerrit/#'],
    },
  },
  # MQTT on 1883 on every address, websockets on 80 (mosquitto binds websockets everywhere).
  port            => 1883,
  websockets_port => 80,
  # The live event page at http://THIS-HOST/ (served by mosquitto on the websockets port): it
  # subscribes to gerrit/# over websockets and shows events as they arrive.
  serve_page      => true,
  # For MQTT over TLS on 8883 and secure websockets on 8080, give the PEM files' text:
  # tls_cert => file('/etc/ssl/firehose/fullchain.pem'),
  # tls_key  => Sensitive(file('/etc/ssl/firehose/privkey.pem')),
}

class { 'germqtt':
  # A package from your own apt repository; or a NativeAOT build copied from a file:
  #   install_method => 'file', binary_source => 'puppet:///modules/site/germqtt',
  # Either way, for the NativeAOT binary (the .deb that scripts/package builds ships one) add:
  #   memory_deny_write_execute => true,
  package_name    => 'germqtt',
  gerrit_username => 'CHANGE-ME: the stream-events account',
  gerrit_hostname => 'review.example.org',
  gerrit_port     => 29418,
  # The account's private key. file() reads it on the Puppet side (root-only file).
  gerrit_ssh_key  => Sensitive(file('/etc/puppet/secrets/germqtt_gerrit_key')),
  # Gerrit's host key, checked out of band: `ssh-keyscan -p 29418 review.example.org`, without
  # the host name. known_hosts gets "[review.example.org]:29418 ssh-ed25519 AAAA...".
  gerrit_host_key => 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-CHANGE-ME',
  # The broker above, as its publisher.
  mqtt_hostname   => 'localhost',
  mqtt_port       => 1883,
  mqtt_topic      => 'gerrit',
  mqtt_username   => 'germqtt',
  mqtt_password   => $mqtt_password,
  mqtt_qos        => 1,
  # Catch-up: after a gap in the stream (a restart, a lost connection) germqtt fetches the events
  # it missed from Gerrit's events-log plugin, as the account above with its HTTP password
  # (Gerrit: Settings, HTTP Credentials). The last event published is kept in
  # /var/lib/germqtt/state. To turn it on, add:
  #   gerrit_http_url            => 'https://review.example.org',
  #   gerrit_http_password       => Sensitive(file('/etc/puppet/secrets/germqtt_http_password').chomp),
  #   gerrit_events_log_timezone => 'UTC', # the Gerrit server's time zone
}

# germqtt's unit already starts after mosquitto.service; this makes Puppet converge the broker
# first, so germqtt's first start finds it.
Class['mosquitto'] -> Class['germqtt']
