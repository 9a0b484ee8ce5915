# frozen_string_literal: true

# rspec-puppet catalog tests, offline: Debian 12's puppet 7, rspec-puppet and
# puppetlabs_spec_helper packages, and the stdlib module from /usr/share/puppet/modules.
RSpec.configure { |c| c.mock_with :rspec } # before the helper: silences mocha's deprecation
require 'puppetlabs_spec_helper/module_spec_helper'

# Hand-written Debian 12 facts: rspec-puppet-facts' facterdb has none for Debian 12, and
# on_supported_os would quietly yield no examples at all.
DEBIAN_12_FACTS = {
  'os' => {
    'family' => 'Debian',
    'name' => 'Debian',
    'release' => { 'major' => '12', 'minor' => '0', 'full' => '12.0' },
    'architecture' => 'amd64',
  },
  'networking' => { 'fqdn' => 'broker.example.org', 'hostname' => 'broker', 'domain' => 'example.org' },
  'kernel' => 'Linux',
  'path' => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
}.freeze

RSpec.configure do |c|
  # What Puppet 8 does by default: unknown variables and other sloppiness are errors.
  c.strict_variables = true
  c.default_facts = DEBIAN_12_FACTS
  c.before(:each) { Puppet[:strict] = :error }
end

# The text of a catalog file resource, unwrapped when it is Sensitive.
def file_content(path)
  resource = catalogue.resource('File', path)
  raise "no File[#{path}] in the catalog" if resource.nil?

  content = resource[:content]
  content.respond_to?(:unwrap) ? content.unwrap : content
end

HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhfABEsKlICVS+gJ1DHKAqlB28qmqk2nJQyKxgTzb3T'

# Every "section:key" germqtt reads: germqtt.ini.sample (the authoritative list, and
# OptionsLoader.Keys() in the C# tests). A new germqtt option belongs here and in the module.
GERMQTT_INI_KEYS = %w[
  default:pidfile default:buffer_size default:drain_timeout default:stats_interval default:state_file
  gerrit:username gerrit:hostname gerrit:port gerrit:key gerrit:key_passphrase gerrit:key_passphrase_file
  gerrit:known_hosts gerrit:host_key_fingerprint gerrit:event_types gerrit:insecure_any_host_key
  gerrit:connect_timeout gerrit:keepalive gerrit:liveness_interval gerrit:max_event_size gerrit:retry_initial
  gerrit:retry_max gerrit:http_url gerrit:http_username gerrit:http_password gerrit:http_password_file
  gerrit:events_log_timezone gerrit:catch_up_max
  mqtt:hostname mqtt:port mqtt:transport mqtt:websocket_path mqtt:protocol mqtt:tls mqtt:ca_certs
  mqtt:certfile mqtt:keyfile mqtt:tls_insecure mqtt:topic mqtt:keepalive mqtt:username mqtt:password
  mqtt:password_file mqtt:status_topic mqtt:qos mqtt:client_id mqtt:max_inflight mqtt:connect_timeout
  mqtt:publish_timeout mqtt:max_packet_size mqtt:retry_initial mqtt:retry_max
  filter:include_projects filter:exclude_projects filter:exclude_refs filter:publish_private filter:redact_fields
].freeze

# { 'section' => { 'key' => 'value' } } of an INI text, in the order written.
def ini_sections(text)
  sections = {}
  current = nil
  text.each_line do |line|
    line = line.strip
    next if line.empty? || line.start_with?('#', ';')

    if (m = line.match(%r{\A\[(.+)\]\z}))
      current = sections[m[1]] = {}
    else
      key, value = line.split('=', 2).map(&:strip)
      raise "#{line.inspect} is outside a section" if current.nil?
      raise "#{key} appears twice" if current.key?(key)

      current[key] = value
    end
  end
  sections
end

# The "section:key" names of ini_sections' result.
def ini_keys(sections)
  sections.flat_map { |section, values| values.keys.map { |key| "#{section}:#{key}" } }
end

# The parameters germqtt cannot do without.
RSpec.shared_context 'germqtt required parameters' do
  let(:required) do
    {
      gerrit_username: 'firehose',
      gerrit_hostname: 'review.example.org',
      gerrit_ssh_key: sensitive("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"),
      gerrit_host_key: HOST_KEY,
    }
  end
end
