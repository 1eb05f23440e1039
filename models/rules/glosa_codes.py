"""TISS Tabela 38 (glosa codes) as used by Liquida's checks: code → (description, group).

The receiver, the lot builder's occurrence rules and the demo seed all read
this one table; payers add their own codes in the GlosaCode screen.
"""
from __future__ import annotations

TABLE_38: dict[str, tuple[str, str]] = {
    "1001": ("Número da carteira inválido", "Elegibilidade"),
    "1005": ("Atendimento anterior à inclusão do beneficiário", "Elegibilidade"),
    "1006": ("Atendimento após o desligamento do beneficiário", "Elegibilidade"),
    "1007": ("Atendimento dentro da carência do beneficiário", "Elegibilidade"),
    "1016": ("Beneficiário com atendimento suspenso", "Elegibilidade"),
    "1101": ("Quantidade de guias informadas no protocolo diferente das cadastradas", "Protocolo"),
    "1104": ("Valor do protocolo diferente da soma das guias", "Protocolo"),
    "1206": ("Código do prestador inválido", "Prestador"),
    "1207": ("Prestador não credenciado", "Prestador"),
    "1307": ("Número da guia inválido", "Guia"),
    "1308": ("Guia já apresentada", "Guia"),
    "1317": ("Data de realização não informada", "Guia"),
    "1402": ("Procedimento não autorizado", "Autorização"),
    "1403": ("Não existe informação sobre a senha de autorização do procedimento", "Autorização"),
    "1405": ("Validade da autorização expirada", "Autorização"),
    "1408": ("Quantidade serviço solicitada acima da autorizada", "Autorização"),
    "1415": ("Procedimento não autorizado para o beneficiário", "Autorização"),
    "1420": ("Serviço solicitado fora da cobertura", "Autorização"),
    "1701": ("Cobrança fora da competência", "Valorização"),
    "1702": ("Cobrança de procedimento em duplicidade", "Valorização"),
    "1705": ("Valor apresentado a maior", "Valorização"),
    "1706": ("Valor apresentado a menor", "Valorização"),
    "1708": ("Procedimento sem valor na tabela contratada", "Valorização"),
    "1801": ("Procedimento inválido", "Procedimento"),
    "1802": ("Procedimento incompatível com o sexo do beneficiário", "Procedimento"),
    "1803": ("Idade do beneficiário incompatível com o procedimento", "Procedimento"),
    "1806": ("Quantidade de procedimento inválida", "Procedimento"),
    "1809": ("Data de realização posterior à data atual", "Procedimento"),
    "1820": ("Cobrança de procedimento em quantidade acima da máxima permitida / autorizada", "Procedimento"),
    "1823": (
        "Procedimento realizado pelo mesmo profissional, na mesma especialidade, no prazo inferior ao estipulado "
        "sem justificativa adequada",
        "Procedimento",
    ),
    "2001": ("Material inválido", "Materiais"),
    "2005": ("Quantidade de material inválida", "Materiais"),
    "2009": ("Cobrança de material superior a quantidade coberta", "Materiais"),
    "2101": ("Medicamento inválido", "Medicamentos"),
    "2105": ("Quantidade de medicamento inválida", "Medicamentos"),
    "2109": ("Quantidade de medicamento superior a quantidade coberta", "Medicamentos"),
    "2301": ("Taxa inválida", "Taxas"),
    "2304": ("Quantidade de taxa inválida", "Taxas"),
    "2308": ("Cobrança de taxa superior a quantidade coberta", "Taxas"),
    "2901": ("Revisão de glosa inválida", "Recurso de glosa"),
    "2903": ("Pedido de revisão sem justificativa", "Recurso de glosa"),
    "2904": ("Mais de um recurso de glosa para a mesma guia/protocolo", "Recurso de glosa"),
    "2906": ("Número da guia inválido", "Recurso de glosa"),
    "5002": ("Não foi possível validar o arquivo XML", "Sistema"),
    "5005": ("Prestador não identificado", "Sistema"),
    "5006": ("Registro ANS da operadora inválido", "Sistema"),
    "5014": ("Código hash inválido. Mensagem pode estar corrompida", "Sistema"),
    "5015": ("Número de guias acima do máximo permitido", "Sistema"),
    "5028": ("Versão do padrão inválida", "Sistema"),
    "5054": ("Identificador não encontrado", "Sistema"),
}


def description(code: str) -> str:
    return TABLE_38.get(code, (code, ""))[0]
