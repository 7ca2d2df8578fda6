/// The export protocol of a datagram, detected from its version field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    NetflowV5,
    NetflowV9,
    Ipfix,
    SflowV5,
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::NetflowV5 => "netflow_v5",
            Format::NetflowV9 => "netflow_v9",
            Format::Ipfix => "ipfix",
            Format::SflowV5 => "sflow_v5",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
